/**
 * Bounded retries with exponential backoff and full jitter (delay = random(0, min(cap, base * 2^n))).
 *
 * The SDK does not retry unless asked (https://github.com/aliyun/darabonba-openapi: `autoretry` is off by default), so this is the only retry loop on the STS path. It retries only what
 * error-map.ts calls retryable, makes at most `maxAttempts` attempts (config `sts.maxAttempts`, default 3), and starts
 * no new attempt once the total deadline would be passed, so a request waits a bounded time. Throttling is not
 * retryable (error-table.ts): its wait belongs to the caller, as Retry-After, not to a retry into the account's
 * exhausted quota. Right before each retry, after its backoff, `admitRetry` may still stop it: the circuit breaker
 * opened meanwhile, so STS is not called again and the caller gets the breaker's answer.
 */
import type { Clock } from '../shared/clock.js';
import type { MappedStsError } from './error-map.js';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  maxAttempts: number;
  /** First backoff cap; doubles per retry. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** No retry starts (nor backoff sleep) that would end later than this after the first attempt began. */
  deadlineMs: number;
  clock: Clock;
  sleep?: Sleep;
  /** Returns [0, 1); injectable so tests get exact delays. */
  random?: () => number;
  /** Called before each retry; return false to stop (e.g. the upstream budget has no token to spare). */
  beforeRetry?: (attempt: number) => boolean;
  /**
   * Called right before each retry's attempt (after the backoff sleep); throws to stop retrying, and what it throws
   * leaves as it is, unclassified (the circuit breaker's refusal).
   */
  admitRetry?: (attempt: number) => void;
  /** Called after each failed attempt with the mapped error (logs, metrics). */
  onAttemptFailed?: (failure: MappedStsError, attempt: number, willRetry: boolean) => void;
}

const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 2000;

/** Full-jitter delay before retry number `retry` (1-based). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, attempts run out, or the deadline would pass.
 * Throws the mapped BrokerError of the last failure.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  classify: (err: unknown) => MappedStsError,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const baseMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts));
  const startedAt = options.clock.now();

  for (let n = 1; ; n += 1) {
    if (n > 1) options.admitRetry?.(n);
    try {
      return await attempt(n);
    } catch (err) {
      const failure = classify(err);
      const delay = failure.retryable && n < maxAttempts ? backoffDelay(n, baseMs, maxMs, random) : undefined;
      const withinDeadline = delay !== undefined && options.clock.now() - startedAt + delay < options.deadlineMs;
      const willRetry = withinDeadline && (options.beforeRetry?.(n + 1) ?? true);
      options.onAttemptFailed?.(failure, n, willRetry);
      if (!willRetry || delay === undefined) throw failure.error;
      if (delay > 0) await sleep(delay);
    }
  }
}
