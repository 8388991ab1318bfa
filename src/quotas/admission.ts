/**
 * The Admission: everything a request counts in the shared store, in one round trip. On Redis that is two commands
 * sent together: the per-IP count on its own key (its own Redis Cluster slot), and one script that counts the
 * per-principal limit, takes the request quota and reserves the bytes, whose keys all carry the principal's hash tag
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags), so the script is valid in
 * Redis Cluster. The implementations: redis-admission.ts (shared by every replica) and memory-admission.ts (local
 * mode, one process); createQuotaCounters (create-quota-counters.ts) picks one.
 *
 * The rules both keep:
 * - `ip` and `principal` are fixed windows, counted on every call (INCR, the window starts on the first hit, a lost
 *   expiry is repaired). A request refused later still used a request.
 * - The grant is attempted only when `principal` (if given) is within its limit after this request.
 * - The grant checks everything first and then takes everything: the request quota (one unit of every window,
 *   request-quota.ts) and the byte reservation (byte-ledger.ts). A refused request holds nothing, not even for a
 *   moment. The quota's refusal wins when both would refuse, as when they were taken one after the other.
 * - Store failures reject with StoreUnavailableError (fail closed, README security property 6).
 */
import type { ByteItem, ByteWindow, ImmediateCharge } from './byte-ledger.js';

export interface CountWindow {
  limit: number;
  windowSeconds: number;
}

/** What one request counts in the shared store. */
export interface AdmissionRequest {
  /** The per-IP limit: `address` is what the rate-limit step keys on (express-rate-limit's ipKeyGenerator). */
  ip?: { address: string; window: CountWindow };
  /** The per-principal limit of the authenticated caller (auth's principalKey()). */
  principal?: { principalKey: string; window: CountWindow };
  /**
   * A grant's quotas: the request quota (one unit from every window) and the byte reservation, taken all or nothing,
   * and only when the per-principal limit (if `principal` is given) is not exceeded by this request.
   */
  grant?: GrantTake;
}

export interface GrantTake {
  principalKey: string;
  profile: string;
  /** The profile's `quota.perPrincipal` windows; empty: no request quota. Same-length windows: keep the stricter. */
  quota: readonly CountWindow[];
  /** The profile's `quota.bytesPerPrincipal` windows and the declared items; absent or no items: nothing reserved. */
  bytes?: { windows: readonly ByteWindow[]; items: readonly ByteItem[] };
}

export interface Counted {
  count: number;
  resetInMs: number;
}

export type GrantVerdict =
  | { taken: true; charge?: ImmediateCharge }
  | { taken: false; by: 'quota'; window: CountWindow; resetInMs: number }
  | { taken: false; by: 'bytes'; window: ByteWindow; retryInMs: number };

export interface AdmissionResult {
  ip?: Counted; // iff request.ip
  principal?: Counted; // iff request.principal
  /** iff request.grant and the principal limit (when given) allowed this request (count <= limit). */
  grant?: GrantVerdict;
}

export interface Admission {
  /** One round trip. Store failures reject with StoreUnavailableError (fail closed); nothing is partially taken by a refusal. */
  admit(request: AdmissionRequest): Promise<AdmissionResult>;
  /** Gives back a grant that was taken (issuing failed afterwards, or the per-IP limit refused the request). Best effort, may be called once per taken grant. */
  release(grant: GrantTake, taken: { charge?: ImmediateCharge }): Promise<void>;
}

/** `rl:ip:<address>`: the per-IP counter, alone in its slot (an address shares nothing with a principal). */
export function ipLimitKey(address: string): string {
  return `rl:ip:${address}`;
}

/**
 * `rl:principal:{<principal>}`: the per-principal counter. Its hash tag is the one of the principal's quota keys
 * (request-quota.ts quotaKey, byte-ledger.ts byteScopeTag), so the admission script may count it with them.
 */
export function principalLimitKey(principalKey: string): string {
  return `rl:principal:{${encodeURIComponent(principalKey)}}`;
}

/** The byte windows and items a grant reserves, or undefined when it reserves nothing (no windows or no items). */
export function reservedBytes(grant: GrantTake): { windows: readonly ByteWindow[]; items: readonly ByteItem[] } | undefined {
  const bytes = grant.bytes;
  if (bytes === undefined || bytes.items.length === 0 || bytes.windows.length === 0) return undefined;
  return bytes;
}

/** What a grant charged at once (its `settle: 'now'` items), as RedisByteLedger.reserve reports it; undefined without. */
export function immediateBytes(items: readonly ByteItem[]): number | undefined {
  let charged: number | undefined;
  for (const item of items) if (item.settle === 'now') charged = (charged ?? 0) + item.bytes;
  return charged;
}

/** The per-principal limit and the grant are counted in one script, so their keys must carry one hash tag. */
export function assertOnePrincipal(request: AdmissionRequest): void {
  const { principal, grant } = request;
  if (principal !== undefined && grant !== undefined && principal.principalKey !== grant.principalKey) {
    throw new RangeError('the per-principal limit and the grant must name the same principal');
  }
}
