/**
 * Byte quotas (`profiles.<name>.quota.bytesPerPrincipal`): per principal, per profile, per window, how many bytes are
 * used and how many are reserved. The contract both stores implement (redis-byte-ledger.ts, memory-byte-ledger.ts):
 *
 * - reserve: all items fit into every window, or nothing is written (one atomic step, so N concurrent grants can
 *   never reserve more than a window). An item either waits for its upload callback (`settle: 'callback'`, a
 *   reservation that lapses at `expiresAt`) or is charged at once (`settle: 'now'`: no callback will ever come, so
 *   the declared size is what is counted - the STS path, or forms without a callback).
 * - settle: the upload callback replaces the reservation with the actual size, once per `dedupeKey` (the broker
 *   passes a hash of the grant id, so a grant settles once). Should the same id ever be settled under another
 *   dedupe key, its charge is replaced, never added to.
 * - release: gives back what `reserve` took when issuing fails afterwards, once. Reservations by id; immediate
 *   charges by the amount `reserve` reported, and only to the window instance they went to (a window that rolled
 *   over in between has dropped them already). Immediate charges leave no record per grant: a cache hit that
 *   declares files must not grow a hash field (or a map entry, in memory) that lives until the window resets.
 * - usage: the counters, for GET /v1/usage.
 *
 * Windows are fixed and start with their first use, like the credential quota (request-quota.ts). A window that rolls
 * over starts from zero used bytes but carries the live reservations, so "used + reserved ≤ limit" holds at every
 * moment. Store failures surface as StoreUnavailableError (invariant 6: never "allow more than configured").
 */
export interface ByteWindow {
  limitBytes: number;
  windowSeconds: number;
}

/** Whose bytes: `principalKey` and `profile` may hold any characters; they are encoded into the keys here. */
export interface ByteScope {
  profile: string;
  principalKey: string;
  windows: readonly ByteWindow[];
}

export interface ByteItem {
  /**
   * Unique per grant (random); the callback names it through `x:grant`. An item charged at once (`settle: 'now'`)
   * reserves nothing and is never named again: its id may be empty (take-quotas.ts NOT_RESERVED).
   */
  id: string;
  bytes: number;
  /** Epoch ms when an unsettled reservation lapses (form or token expiry plus the callback grace). */
  expiresAt: number;
  settle: 'callback' | 'now';
}

/** What `reserve` charged at once (its `settle: 'now'` items), for `release` to give back. */
export interface ImmediateCharge {
  bytes: number;
  /** Per window (in `distinctByteWindows` order), the reset time of the window instance that was charged. */
  windowResetAts: readonly number[];
}

export type ByteDecision =
  | { allowed: true; charge?: ImmediateCharge }
  | {
      allowed: false;
      retryAfterSeconds: number;
      /** The same wait in ms: until the refusing window resets, or until its first reservation lapses when sooner. */
      retryInMs: number;
      limitBytes: number;
      windowSeconds: number;
    };

export interface ByteWindowUsage {
  windowSeconds: number;
  limitBytes: number;
  usedBytes: number;
  reservedBytes: number;
  /** Epoch ms when the window resets; undefined when it has not started. */
  resetsAt: number | undefined;
  /** Epoch ms when the last live reservation lapses unless its callback comes first; undefined with none. */
  reservedUntil: number | undefined;
}

export interface SettleInput {
  id: string;
  actualBytes: number;
  /** Identifies one settlement (the broker: a hash of the grant id); a second settle with it changes nothing. */
  dedupeKey: string;
  /** How long the dedupe record is kept: at least as long as the grant could still be presented. */
  dedupeTtlMs: number;
}

export interface ByteLedger {
  reserve(scope: ByteScope, items: readonly ByteItem[]): Promise<ByteDecision>;
  release(scope: ByteScope, ids: readonly string[], charge?: ImmediateCharge): Promise<void>;
  settle(scope: ByteScope, input: SettleInput): Promise<'recorded' | 'duplicate'>;
  usage(scope: ByteScope): Promise<ByteWindowUsage[]>;
}

/**
 * The keys of one scope share a Redis Cluster hash tag (`{…}`,
 * https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags), so one script may touch
 * every window of a principal. The tag is the principal alone, as in its request quota (request-quota.ts) and its
 * per-principal rate limit, so the admission script (admission-scripts.ts) can take all of them in one slot.
 * encodeURIComponent escapes `:`, `{` and `}`, so no profile or principal can shift into another's tag. Keys of the
 * earlier `{<profile>:<principal>}` shape are not read: at that upgrade every byte window starts afresh, once.
 */
export function byteScopeTag(profile: string, principalKey: string): string {
  return `bq:{${encodeURIComponent(principalKey)}}:${encodeURIComponent(profile)}`;
}

export function byteWindowKeys(tag: string, windowSeconds: number): { hash: string; expiries: string } {
  return { hash: `${tag}:${windowSeconds}s`, expiries: `${tag}:${windowSeconds}s:exp` };
}

export function byteSeenKey(tag: string, dedupeKey: string): string {
  return `${tag}:seen:${dedupeKey}`;
}

/** Two windows of the same length would share one counter: keep the stricter one (as request-quota.ts does). */
export function distinctByteWindows(windows: readonly ByteWindow[]): ByteWindow[] {
  const byLength = new Map<number, ByteWindow>();
  for (const w of windows) {
    const seen = byLength.get(w.windowSeconds);
    if (seen === undefined || w.limitBytes < seen.limitBytes) byLength.set(w.windowSeconds, w);
  }
  return [...byLength.values()];
}
