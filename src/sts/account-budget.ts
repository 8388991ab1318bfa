/**
 * One AssumeRole budget for the whole Alibaba Cloud account, shared by every replica through the store.
 *
 * STS allows 6,000 AssumeRole calls per minute per account (about 100 per second), shared by every RAM user and role
 * of the account; going over gets the whole account throttled, other services included
 * (https://www.alibabacloud.com/help/doc-detail/28763.htm). A per-replica limit cannot hold that line once an
 * autoscaler adds replicas, so every call first takes a unit from a counter all replicas share.
 *
 * Fixed windows aligned to the clock: window k covers [k x windowMs, (k+1) x windowMs) and its count lives under
 * `sts-budget:<k>`, incremented atomically by the store (Redis INCR in a Lua script). At most `limit` calls start in
 * one window, so at most 2 x limit in any sliding window of the same length (with the default 40/s: 80 in any second,
 * 2,400 in any minute). Replicas' clocks only need to agree to a few milliseconds (NTP) for that bound to hold.
 *
 * When the window is full a foreground caller waits for the next one if it starts within `maxWaitMs`, else is refused
 * with `upstream_throttled` and a Retry-After up to the next window. Background work (refresh-ahead) never waits and
 * stops at `backgroundShare` of the window, so requests a client is waiting on always find room first.
 *
 * Fail closed (README security property 6): when the store cannot be reached, no call is made (`store_unavailable`), because
 * "no shared count" would otherwise mean "no limit".
 */
import type { Clock } from '../shared/clock.js';
import type { KeyValueStore } from '../store/types.js';
import { realSleep, type Sleep } from './retry.js';
import { BudgetRefusedError } from './upstream-budget.js';

export const ACCOUNT_BUDGET_WINDOW_MS = 1000;
export const DEFAULT_ACCOUNT_MAX_WAIT_MS = 250;
/** Background refreshes may use this share of a window; the rest stays for foreground misses. */
export const DEFAULT_BACKGROUND_SHARE = 0.75;

export interface AccountBudgetOptions {
  store: KeyValueStore;
  /** Calls per window for the whole account (`sts.accountCallsPerSecond` with the default 1 s window). */
  limit: number;
  windowMs?: number;
  clock: Clock;
  sleep?: Sleep;
  maxWaitMs?: number;
  backgroundShare?: number;
}

export interface AccountBudget {
  /**
   * Spends one call of the account's budget. Throws BudgetRefusedError: `upstream_throttled` (Retry-After until the
   * next window) when the window is full, `store_unavailable` when the shared count cannot be reached.
   */
  take(options?: { background?: boolean; wait?: boolean }): Promise<void>;
}

export function accountBudgetKey(window: number): string {
  return `sts-budget:${window}`;
}

export function createAccountBudget(options: AccountBudgetOptions): AccountBudget {
  const { store, clock } = options;
  const windowMs = options.windowMs ?? ACCOUNT_BUDGET_WINDOW_MS;
  const sleep = options.sleep ?? realSleep;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_ACCOUNT_MAX_WAIT_MS;
  const limit = Math.max(1, Math.floor(options.limit));
  const backgroundLimit = Math.floor(limit * (options.backgroundShare ?? DEFAULT_BACKGROUND_SHARE));

  async function count(key: string): Promise<number> {
    try {
      // The window key outlives its window a little, so a late replica still reads the same count; then it expires.
      return (await store.incrementWindow(key, windowMs * 2)).count;
    } catch (error) {
      throw new BudgetRefusedError('store_unavailable', 'the shared STS budget cannot be reached', { retryAfterSeconds: 1, cause: error });
    }
  }

  return {
    async take({ background = false, wait = true } = {}) {
      for (let attempt = 0; ; attempt += 1) {
        const now = clock.now();
        const window = Math.floor(now / windowMs);
        const key = accountBudgetKey(window);
        const n = await count(key);
        if (n <= (background ? backgroundLimit : limit)) return;
        // Give the unit back: a refused caller made no call, and must not crowd out the next foreground one.
        await store.decrement(key).catch(() => undefined);
        const untilNextMs = (window + 1) * windowMs - now;
        if (background || !wait || attempt > 0 || untilNextMs > maxWaitMs) {
          throw new BudgetRefusedError('upstream_throttled', 'the account-wide STS budget is used up for now', {
            retryAfterSeconds: Math.max(1, Math.ceil(untilNextMs / 1000)),
          });
        }
        await sleep(untilNextMs);
      }
    },
  };
}
