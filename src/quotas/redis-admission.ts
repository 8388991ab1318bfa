/**
 * Admission on Redis, shared by every replica: at most two commands per request, sent together so they cost one
 * round trip: INCREMENT_WINDOW on the per-IP counter (its own slot) and ADMIT (admission-scripts.ts) on the keys of
 * one principal (one hash tag). RedisStore adds the deployment key prefix, sends scripts by SHA-1 with a NOSCRIPT
 * fallback and turns every failure into StoreUnavailableError.
 */
import type { Clock } from '../shared/clock.js';
import type { RedisStore } from '../store/redis-store.js';
import { StoreUnavailableError } from '../store/types.js';
import {
  assertOnePrincipal,
  immediateBytes,
  ipLimitKey,
  principalLimitKey,
  reservedBytes,
  type Admission,
  type AdmissionRequest,
  type AdmissionResult,
  type CountWindow,
  type GrantTake,
  type GrantVerdict,
} from './admission.js';
import {
  ADMIT,
  GRANT_NOT_ATTEMPTED,
  GRANT_REFUSED_BY_BYTES,
  GRANT_REFUSED_BY_QUOTA,
  GRANT_TAKEN,
  RELEASE_GRANT,
} from './admission-scripts.js';
import { byteScopeTag, byteWindowKeys, distinctByteWindows, type ByteItem, type ByteWindow, type ImmediateCharge } from './byte-ledger.js';
import { AdmitLimitsMemo, NO_WINDOWS } from './admit-limits.js';
import { distinctWindows, quotaKey } from './request-quota.js';

/**
 * The two commands' outcomes as Promise.allSettled gives them, with the handlers attached when each command leaves
 * (so neither rejection is ever unhandled while the other is awaited). allSettled itself allocates a pair of element
 * closures per input, a result array and a promise for each absent command; a cache hit runs this once.
 */
const fulfilled = <T>(value: T): PromiseFulfilledResult<T> => ({ status: 'fulfilled', value });
const rejected = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason });
const NOT_SENT: Promise<PromiseFulfilledResult<undefined>> = Promise.resolve(fulfilled(undefined));

export class RedisAdmission implements Admission {
  private readonly limits = new AdmitLimitsMemo();

  constructor(
    private readonly store: RedisStore,
    private readonly clock: Clock,
  ) {}

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    assertOnePrincipal(request);
    const { ip, principal, grant } = request;
    // Both commands leave before either reply is awaited: one round trip.
    const byIp =
      ip === undefined
        ? NOT_SENT
        : this.store.incrementWindow(ipLimitKey(ip.address), ip.window.windowSeconds * 1000).then(fulfilled, rejected);
    const script = principal === undefined && grant === undefined ? NOT_SENT : this.runAdmit(request).then(fulfilled, rejected);
    const ipCounted = await byIp;
    const admitted = await script;
    if (ipCounted.status === 'rejected' || admitted.status === 'rejected') {
      // Fail closed without keeping what the other command took: a grant nobody will use is given back.
      const taken = admitted.status === 'fulfilled' ? admitted.value?.grant : undefined;
      if (grant !== undefined && taken?.taken === true) await this.release(grant, taken).catch(() => undefined);
      throw ipCounted.status === 'rejected' ? ipCounted.reason : (admitted as PromiseRejectedResult).reason;
    }
    const result: AdmissionResult = {};
    if (ipCounted.value !== undefined) result.ip = ipCounted.value;
    if (admitted.value?.principal !== undefined) result.principal = admitted.value.principal;
    if (admitted.value?.grant !== undefined) result.grant = admitted.value.grant;
    return result;
  }

  async release(grant: GrantTake, taken: { charge?: ImmediateCharge }): Promise<void> {
    const quota = distinctWindows(grant.quota);
    const bytes = reservedBytes(grant);
    const byteWindows = bytes === undefined ? [] : distinctByteWindows(bytes.windows);
    if (quota.length === 0 && byteWindows.length === 0) return;
    const keys = quota.map((w) => quotaKey(grant.profile, grant.principalKey, w.windowSeconds));
    this.pushByteKeys(keys, grant, byteWindows);
    const args = [
      String(quota.length),
      String(taken.charge?.bytes ?? 0),
      ...byteWindows.map((_, i) => String(taken.charge?.windowResetAts[i] ?? -1)),
      // The reservations; an immediate charge is given back by its amount above.
      ...(bytes?.items.filter((item) => item.settle === 'callback').map((item) => item.id) ?? []),
    ];
    await this.store.runScript('admission.release', RELEASE_GRANT, keys, args);
  }

  /** The ADMIT script for the principal's limit and the grant. */
  private async runAdmit({ principal, grant }: AdmissionRequest): Promise<Pick<AdmissionResult, 'principal' | 'grant'>> {
    const bytes = grant === undefined ? undefined : reservedBytes(grant);
    const limits = this.limits.of(principal?.window, grant?.quota ?? NO_WINDOWS, bytes?.windows);
    const { quota, byteWindows } = limits;
    const items = bytes?.items ?? [];
    const keys: string[] = [];
    if (principal !== undefined) keys.push(principalLimitKey(principal.principalKey));
    if (grant !== undefined) {
      for (const w of quota) keys.push(quotaKey(grant.profile, grant.principalKey, w.windowSeconds));
      this.pushByteKeys(keys, grant, byteWindows);
    }
    // Sized once: pushing onto a three-element literal regrows it (and copies it) for the items.
    const args = new Array<string>(3 + 4 * items.length);
    args[0] = String(this.clock.now());
    args[1] = limits.arg;
    args[2] = String(items.length);
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!;
      args[3 + 4 * j] = item.id;
      args[4 + 4 * j] = String(item.bytes);
      args[5 + 4 * j] = String(item.expiresAt);
      args[6 + 4 * j] = item.settle === 'callback' ? 'r' : 'c';
    }

    const reply = await this.store.runScript('admission.admit', ADMIT, keys, args);
    if (!Array.isArray(reply) || !reply.every((v) => typeof v === 'number')) throw unexpected();
    const numbers = reply as number[];
    const out: Pick<AdmissionResult, 'principal' | 'grant'> = {};
    if (principal !== undefined) out.principal = { count: numbers[0] ?? Number.NaN, resetInMs: Math.max(0, numbers[1] ?? 0) };
    if (grant !== undefined && numbers[2] !== GRANT_NOT_ATTEMPTED) out.grant = verdict(numbers, quota, byteWindows, items);
    return out;
  }

  /** Appends hash₁, set₁, hash₂, set₂, … of the grant's byte scope. */
  private pushByteKeys(keys: string[], grant: GrantTake, windows: readonly ByteWindow[]): void {
    if (windows.length === 0) return;
    const tag = byteScopeTag(grant.profile, grant.principalKey);
    for (const w of windows) {
      const { hash, expiries } = byteWindowKeys(tag, w.windowSeconds);
      keys.push(hash, expiries);
    }
  }
}

/** The grant's part of an ADMIT reply. */
function verdict(
  reply: readonly number[],
  quota: readonly CountWindow[],
  byteWindows: readonly ByteWindow[],
  items: readonly ByteItem[],
): GrantVerdict {
  const [, , outcome, index = 0, wait = 0] = reply;
  if (outcome === GRANT_TAKEN) {
    const charged = immediateBytes(items);
    if (charged === undefined) return { taken: true };
    const windowResetAts = reply.slice(3, 3 + byteWindows.length);
    if (windowResetAts.length !== byteWindows.length) throw unexpected();
    return { taken: true, charge: { bytes: charged, windowResetAts } };
  }
  if (outcome === GRANT_REFUSED_BY_QUOTA) {
    const window = quota[index - 1];
    if (window === undefined) throw unexpected();
    return { taken: false, by: 'quota', window, resetInMs: Math.max(0, wait) };
  }
  if (outcome === GRANT_REFUSED_BY_BYTES) {
    const window = byteWindows[index - 1];
    if (window === undefined) throw unexpected();
    return { taken: false, by: 'bytes', window, retryInMs: wait };
  }
  throw unexpected();
}

function unexpected(): StoreUnavailableError {
  return new StoreUnavailableError('redis admit: unexpected reply', { operation: 'admission.admit' });
}
