/**
 * Consecutive-failure circuit breaker in front of STS.
 *
 * When STS (or the path to it) is down, every credential request would otherwise wait out timeouts and retries, and
 * pile load on the account's shared AssumeRole quota (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (limits)) as soon as STS comes back. After `failureThreshold`
 * consecutive outage failures the breaker opens: calls fail at once with `upstream_unavailable` and a Retry-After of
 * the remaining open time. After `openSeconds` one trial call is let through (half-open); its result closes or
 * re-opens the breaker.
 *
 * Calls admitted before it opened are stopped too: each retry asks the breaker again (`stillAdmitted`), by the rule
 * a new call meets, so once it is open no call in flight makes another STS attempt (only the half-open trial retries
 * its own). Every answer given while the breaker is open, a refusal or the outage that opened it, carries the
 * remaining open time as its Retry-After: a caller told to come back sooner would only be refused again.
 *
 * Only outages count (`isOutage`); a refusal (`upstream_rejected`) or throttling means STS answered, so it closes
 * the breaker like a success. A call that never reached STS (`isNotAttempted`: the upstream budget said no) is
 * neither: it changes nothing, and a half-open trial it held is given back for the next caller. Nor does a call the
 * breaker itself stopped between retries: the breaker is already open, and counting it would keep it open longer.
 *
 * The breaker is asked first, before any budget is spent: a call it refuses costs nothing, so an open breaker cannot
 * drain the budget and have later callers told "throttled" when STS is in fact down.
 */
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  openSeconds: number;
  clock: Clock;
  /** Which errors count as a failure; anything else resets the count. */
  isOutage: (err: unknown) => boolean;
  /** Called on every state change (logs: `sts.breaker.opened` ...). */
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
  /** Called when a call is refused without running (metrics: `breaker_open`). */
  onReject?: () => void;
  /** Errors meaning the call never reached STS (a budget refusal): neither success nor failure. */
  isNotAttempted?: (err: unknown) => boolean;
}

/** The breaker's refusal: no STS call was made for it. */
export class BreakerOpenError extends BrokerError {
  constructor(state: BreakerState, retryAfterSeconds: number) {
    super('upstream_unavailable', 'STS is unavailable; not calling it for a short while', {
      retryAfterSeconds,
      cause: new Error(`circuit breaker ${state}`),
    });
    this.name = 'BreakerOpenError';
  }
}

/** Throws the breaker's refusal when the breaker would no longer admit the call it was handed to. */
export type StillAdmitted = () => void;

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = 'closed';
  /** The half-open trial call now running, if any. */
  private trial: symbol | undefined;

  constructor(private readonly options: CircuitBreakerOptions) {}

  /** The state as of now (an open breaker whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.remainingOpenMs() <= 0) return 'half-open';
    return this.current;
  }

  /**
   * Runs `fn` through the breaker, or fails fast with `BreakerOpenError` while open. `fn` calls `stillAdmitted`
   * before each further STS attempt of its own (retries).
   */
  async run<T>(fn: (stillAdmitted: StillAdmitted) => Promise<T>): Promise<T> {
    const call = Symbol('call');
    this.admit(call);
    try {
      const result = await fn(() => this.checkStillAdmitted(call));
      this.onSuccess();
      return result;
    } catch (err) {
      if (err instanceof BreakerOpenError || this.options.isNotAttempted?.(err) === true) {
        if (this.trial === call) this.trial = undefined;
        throw err;
      }
      if (!this.options.isOutage(err)) {
        this.onSuccess();
        throw err;
      }
      this.onFailure();
      throw this.current === 'open' ? this.untilReopen(err) : err;
    }
  }

  private admit(call: symbol): void {
    const state = this.state;
    if (state === 'closed') return;
    if (state === 'half-open' && this.trial === undefined) {
      this.transition('half-open');
      this.trial = call;
      return;
    }
    // Open, or half-open with the one trial call still running.
    throw this.refusal(state);
  }

  /** A call admitted earlier goes on only where a new one would be admitted; the trial may retry its own attempt. */
  private checkStillAdmitted(call: symbol): void {
    const state = this.state;
    if (state === 'closed' || (state === 'half-open' && this.trial === call)) return;
    throw this.refusal(state);
  }

  private refusal(state: BreakerState): BreakerOpenError {
    this.options.onReject?.();
    return new BreakerOpenError(state, this.retryAfterSeconds());
  }

  /** The remaining open time in whole seconds, at least 1: the earliest a new call can get through. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.remainingOpenMs() / 1000));
  }

  /** An outage answered while the breaker is open: the caller may ask again once it lets a call through. */
  private untilReopen(err: unknown): unknown {
    if (!(err instanceof BrokerError)) return err;
    return new BrokerError(err.code, err.detail, {
      retryAfterSeconds: this.retryAfterSeconds(),
      extensions: err.extensions,
      cause: err.cause,
    });
  }

  private onSuccess(): void {
    this.failures = 0;
    this.trial = undefined;
    if (this.current !== 'closed') this.transition('closed');
  }

  private onFailure(): void {
    this.failures += 1;
    const trialFailed = this.current === 'half-open';
    this.trial = undefined;
    if (trialFailed || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.options.clock.now();
      this.transition('open');
    }
  }

  private remainingOpenMs(): number {
    return this.openedAt + this.options.openSeconds * 1000 - this.options.clock.now();
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    if (from !== to || to === 'open') this.options.onStateChange?.(from, to);
  }
}
