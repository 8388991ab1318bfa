/**
 * Token bucket capping AssumeRole calls per second from this replica.
 *
 * STS allows ~100 AssumeRole calls per second (6,000/min) per Alibaba Cloud account, shared by every RAM user and
 * role and so by every replica (facts A5). Going over gets the whole account throttled, including other services.
 * Each replica therefore spends at most `maxCallsPerSecond` (config, default 20); the operator sizes it so that
 * replicas x budget stays under the account limit. Bursts up to one second's worth are allowed.
 *
 * When the bucket is empty a caller waits a short bounded time for the next token (tokens are reserved, so waiters
 * are served in order), else fails at once with `upstream_throttled` and Retry-After 1: queueing longer would only
 * hold HTTP requests open while the backlog grows.
 */
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { realSleep, type Sleep } from './retry.js';

const DEFAULT_MAX_WAIT_MS = 250;

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

  /** Takes a token, waiting up to `maxWaitMs`; throws `upstream_throttled` (Retry-After 1) when none comes in time. */
  async take(): Promise<void> {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil((1 - this.tokens) / this.ratePerMs);
    if (waitMs > this.maxWaitMs) {
      throw new BrokerError('upstream_throttled', 'Too many STS calls from this instance; try again shortly', {
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
