/**
 * Token bucket smoothing AssumeRole calls from this replica (`sts.maxCallsPerSecond`).
 *
 * STS allows 6,000 AssumeRole calls per minute (about 100 per second) per Alibaba Cloud account, shared by every
 * RAM user and role and so by every replica (https://www.alibabacloud.com/help/doc-detail/28763.htm). The account as a
 * whole is guarded by the shared budget in account-budget.ts; this bucket only keeps one replica from taking the
 * whole account's share in a burst. Bursts up to one second's worth are allowed.
 *
 * When the bucket is empty a caller waits a short bounded time for the next token (tokens are reserved, so waiters
 * are served in order), else fails at once with `upstream_throttled` and Retry-After 1: queueing longer would only
 * hold HTTP requests open while the backlog grows. Background work (refresh-ahead) never waits and leaves a reserve
 * for requests a client is waiting on.
 */
import { BrokerError, type BrokerErrorOptions } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { realSleep, type Sleep } from './retry.js';

export const DEFAULT_MAX_WAIT_MS = 250;
/** Share of the bucket that background calls may not touch: foreground misses always find a token first. */
export const BACKGROUND_RESERVE = 0.25;

/**
 * A budget said no: no STS call was made. The circuit breaker treats it as neither success nor failure (a refusal
 * here says nothing about STS), and callers see the `upstream_throttled` (or `store_unavailable`) problem it carries.
 */
export class BudgetRefusedError extends BrokerError {
  constructor(code: 'upstream_throttled' | 'store_unavailable', detail: string, options: BrokerErrorOptions = {}) {
    super(code, detail, options);
    this.name = 'BudgetRefusedError';
  }
}

export interface UpstreamBudgetOptions {
  maxCallsPerSecond: number;
  clock: Clock;
  /** Longest a caller waits for a token before being refused. */
  maxWaitMs?: number;
  sleep?: Sleep;
}

export class UpstreamBudget {
  private readonly capacity: number;
  private readonly ratePerMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: Sleep;
  /** May go negative: each unit below zero is a token reserved by a waiting caller. */
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: UpstreamBudgetOptions) {
    this.capacity = Math.max(1, options.maxCallsPerSecond);
    this.ratePerMs = options.maxCallsPerSecond / 1000;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.sleep = options.sleep ?? realSleep;
    this.tokens = this.capacity;
    this.refilledAt = options.clock.now();
  }

  /** Tokens available now (for tests and readiness output). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes a token if one is free now; never waits. Used before retries. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token for background work: never waits, and only while the foreground reserve stays untouched. */
  takeForBackground(): void {
    this.refill();
    if (this.tokens < 1 + this.capacity * BACKGROUND_RESERVE) {
      throw new BudgetRefusedError('upstream_throttled', 'no STS budget to spare for background refresh', { retryAfterSeconds: 1 });
    }
    this.tokens -= 1;
  }

  /** Takes a token, waiting up to `maxWaitMs`; throws `upstream_throttled` (Retry-After 1) when none comes in time. */
  async take(): Promise<void> {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil((1 - this.tokens) / this.ratePerMs);
    if (waitMs > this.maxWaitMs) {
      throw new BudgetRefusedError('upstream_throttled', 'Too many STS calls from this instance; try again shortly', {
        retryAfterSeconds: 1,
      });
    }
    this.tokens -= 1; // reserve: the refill during our wait pays it back
    await this.sleep(waitMs);
  }

  private refill(): void {
    const now = this.options.clock.now();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerMs);
  }
}
