/**
 * Per-principal credential quotas ("N per hour, M per day") as fixed-window counters in the shared store.
 *
 * Counting is check-then-take in one atomic step (KeyValueStore.takeFromWindows, a Lua script on Redis): a unit is
 * taken from every window only if every window has room, so a refused request holds nothing even for a moment, two
 * racing requests can never both get the last unit, and a refusal names the window that is actually full. Its
 * Retry-After is that window's reset (the one that frees up last when several are full: all must have room).
 * `release()` gives the units back when issuance fails after counting.
 *
 * Store failures propagate as StoreUnavailableError (README security property 6: an unreachable quota store never turns
 * into "allow more than configured"; the HTTP layer answers 503 store_unavailable).
 */
import type { KeyValueStore } from '../store/types.js';

interface QuotaWindow {
  limit: number;
  windowSeconds: number;
}

export interface QuotaRequest {
  /** Who is counted: auth's principalKey(), the one unambiguous encoding of a principal. */
  principalKey: string;
  profile: string;
  windows: QuotaWindow[];
}

type QuotaDecision =
  | { allowed: true; release(): Promise<void> }
  | { allowed: false; retryAfterSeconds: number; limit: number; windowSeconds: number };

export interface QuotaCounter {
  consume(request: QuotaRequest): Promise<QuotaDecision>;
}

/**
 * `quota:{<principal>}:<profile>:<window>s`, principal and profile percent-encoded (no `:`, `{` or `}` left in
 * either), the window a number at the end: no part can shift into another. The braces are the Redis Cluster hash tag
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags) and hold the principal
 * alone, the same tag as its per-principal rate limit and its byte quota (byte-ledger.ts), so one script
 * (admission-scripts.ts) can count the limit and take both quotas in one slot. Keys of another shape are not read:
 * at an upgrade from the `{<profile>:<principal>}` shape every window starts afresh, once.
 */
export function quotaKey(profile: string, principalKey: string, windowSeconds: number): string {
  return `quota:{${encodeURIComponent(principalKey)}}:${encodeURIComponent(profile)}:${windowSeconds}s`;
}

/** Two windows of the same length would share one counter and count twice: keep the stricter limit. */
export function distinctWindows<W extends QuotaWindow>(windows: readonly W[]): W[] {
  const byLength = new Map<number, W>();
  for (const w of windows) {
    const seen = byLength.get(w.windowSeconds);
    if (seen === undefined || w.limit < seen.limit) byLength.set(w.windowSeconds, w);
  }
  return [...byLength.values()];
}

export function createQuotaCounter(store: KeyValueStore): QuotaCounter {
  return {
    async consume({ principalKey, profile, windows }) {
      const checks = distinctWindows(windows).map((w) => ({ ...w, key: quotaKey(profile, principalKey, w.windowSeconds) }));
      const result = await store.takeFromWindows(checks.map((c) => ({ key: c.key, limit: c.limit, windowMs: c.windowSeconds * 1000 })));
      if (!result.taken) {
        const full = checks[result.index];
        if (full === undefined) throw new RangeError(`store named window ${result.index} of ${checks.length}`);
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(result.resetInMs / 1000)),
          limit: full.limit,
          windowSeconds: full.windowSeconds,
        };
      }

      let released = false;
      return {
        allowed: true,
        async release() {
          // Idempotent: a double release would hand out a unit nobody paid for. Best effort: if the store fails
          // while giving back, the unit stays spent (errs toward "allow fewer").
          if (released) return;
          released = true;
          await Promise.allSettled(checks.map((c) => store.decrement(c.key)));
        },
      };
    },
  };
}
