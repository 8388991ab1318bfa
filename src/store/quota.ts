/**
 * Per-principal credential quotas ("N per hour, M per day") as fixed-window counters in the shared store.
 *
 * Counting is take-then-check: each window's counter is incremented atomically (INCR in Lua), and if any window is
 * now over its limit every unit just taken is given back, so a refused request costs nothing and two racing
 * requests can never both get the last unit. `release()` gives the units back when issuance fails after counting.
 *
 * Store failures propagate as StoreUnavailableError (DESIGN invariant 6: an unreachable quota store never turns
 * into "allow more than configured"; the HTTP layer answers 503 store_unavailable).
 */
import type { KeyValueStore } from './types.js';

interface QuotaWindow {
  limit: number;
  windowSeconds: number;
}

interface QuotaRequest {
  /** Who is counted, e.g. `<client>/<tenant>/<subject>`. Any characters; encoded into the key here. */
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

/** encodeURIComponent escapes `:`, so a profile or principal cannot shift into another's key. */
export function quotaKey(profile: string, principalKey: string, windowSeconds: number): string {
  return `quota:${encodeURIComponent(profile)}:${encodeURIComponent(principalKey)}:${windowSeconds}s`;
}

/** Two windows of the same length would share one counter and count twice: keep the stricter limit. */
function distinctWindows(windows: QuotaWindow[]): QuotaWindow[] {
  const byLength = new Map<number, QuotaWindow>();
  for (const w of windows) {
    const seen = byLength.get(w.windowSeconds);
    if (seen === undefined || w.limit < seen.limit) byLength.set(w.windowSeconds, w);
  }
  return [...byLength.values()];
}

export function createQuotaCounter(store: KeyValueStore): QuotaCounter {
  /** Best effort: if the store fails while giving back, the unit stays spent (errs toward "allow fewer"). */
  async function giveBack(keys: string[]): Promise<void> {
    await Promise.allSettled(keys.map((k) => store.decrement(k)));
  }

  return {
    async consume({ principalKey, profile, windows }) {
      const checks = distinctWindows(windows).map((w) => ({ ...w, key: quotaKey(profile, principalKey, w.windowSeconds) }));
      // All windows in parallel: one round trip of latency instead of one per window.
      const results = await Promise.allSettled(checks.map((c) => store.incrementWindow(c.key, c.windowSeconds * 1000)));

      const taken = checks.filter((_, i) => results[i]?.status === 'fulfilled').map((c) => c.key);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) {
        await giveBack(taken);
        throw failed.reason;
      }

      // Over in several windows: report the one that frees up last, so one Retry-After is enough.
      let refusal: { retryAfterSeconds: number; limit: number; windowSeconds: number } | undefined;
      checks.forEach((c, i) => {
        const r = results[i];
        if (r?.status !== 'fulfilled' || r.value.count <= c.limit) return;
        const retryAfterSeconds = Math.max(1, Math.ceil(r.value.resetInMs / 1000));
        if (refusal === undefined || retryAfterSeconds > refusal.retryAfterSeconds) {
          refusal = { retryAfterSeconds, limit: c.limit, windowSeconds: c.windowSeconds };
        }
      });
      if (refusal !== undefined) {
        await giveBack(taken);
        return { allowed: false, ...refusal };
      }

      let released = false;
      return {
        allowed: true,
        async release() {
          // Idempotent: a double release would hand out a unit nobody paid for.
          if (released) return;
          released = true;
          await giveBack(taken);
        },
      };
    },
  };
}
