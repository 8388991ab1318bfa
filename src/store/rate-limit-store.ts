/**
 * An express-rate-limit `Store` on top of KeyValueStore.incrementWindow, so Redis mode and local (memory) mode run
 * the same counting code and fail the same way. This replaces rate-limit-redis: that package would need its own
 * raw-command path, its own key prefixing and its own error types, and would not exist for memory mode.
 *
 * Fail closed (DESIGN invariant 6): a store error is NOT caught here. express-rate-limit (with `passOnStoreError`
 * left false) hands it to `next(err)`, and the error middleware maps StoreUnavailableError to 503
 * `store_unavailable`. Never set `passOnStoreError: true` with this store: that would turn a Redis outage into
 * "no rate limit at all".
 */
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import { systemClock, type Clock } from '../shared/clock.js';
import type { KeyValueStore } from './types.js';

/** express-rate-limit's default window; replaced by the limiter's own `windowMs` in `init`. */
const DEFAULT_WINDOW_MS = 60_000;

class KeyValueRateLimitStore implements Store {
  readonly prefix: string;
  /** Memory counters are per process; express-rate-limit uses this to spot double-counting set-ups. */
  readonly localKeys: boolean;
  private windowMs = DEFAULT_WINDOW_MS;

  constructor(
    private readonly store: KeyValueStore,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.prefix = prefix;
    this.localKeys = store.kind === 'memory';
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { count, resetInMs } = await this.store.incrementWindow(this.prefix + key, this.windowMs);
    return { totalHits: count, resetTime: new Date(this.clock.now() + resetInMs) };
  }

  async decrement(key: string): Promise<void> {
    await this.store.decrement(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.store.del(this.prefix + key);
  }

  /** Hit count without counting; the reset time is not known from a plain GET, so it is left undefined. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const raw = await this.store.get(this.prefix + key);
    if (raw === null) return undefined;
    const totalHits = Number(raw);
    return Number.isInteger(totalHits) ? { totalHits, resetTime: undefined } : undefined;
  }
}

/**
 * One store per limiter (express-rate-limit refuses a store shared by two limiters); give each its own `prefix`,
 * e.g. `rl:principal:` and `rl:ip:`. The KeyValueStore adds the deployment-wide Redis key prefix on top.
 */
export function createRateLimitStore(store: KeyValueStore, prefix: string, clock: Clock = systemClock): Store {
  return new KeyValueRateLimitStore(store, prefix, clock);
}
