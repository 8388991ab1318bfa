/**
 * The broker's StsClient: upstream budget -> circuit breaker -> bounded retries -> one SDK attempt -> parse.
 *
 * Built once (createApp's caller) and injected; nothing else in the broker touches the SDK. Failures leave as
 * BrokerError (`upstream_rejected` / `upstream_unavailable` / `upstream_throttled`, see error-map.ts) whose detail
 * is safe to show; the raw SDK error stays in `cause` for logs. `onCall` reports every outcome with a bounded code
 * so the metrics layer can count STS calls and errors without this module knowing prom-client.
 */
import { BrokerError } from '../errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import { describeCause, mapStsError, type MappedStsError } from './error-map.js';
import { parseAssumeRoleBody } from './parse-response.js';
import { withRetry, type Sleep } from './retry.js';
import { createSdkTransport, type SdkCredential, type StsConfig, type StsTransport } from './sdk-client.js';
import { UpstreamBudget } from './upstream-budget.js';
import type { AssumeRoleInput, StsClient, StsCredentials } from './types.js';
import { inSpan } from '../tracing/index.js';

/** pino-compatible subset. Nothing here ever passes it a credential. */
interface StsLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/**
 * One STS outcome. `code` is `ok`, a known STS code (`NoPermission`, `Throttling.User`, ...), or a class
 * (`timeout`, `network`, `bad_response`, `http_5xx`, `malformed`, `unknown`, ...). `breaker_open` and
 * `budget_exhausted` mean no call was made. `ms` is the time the attempt took.
 */
export interface StsCallOutcome {
  code: string;
  ms: number;
}

export interface CreateStsClientOptions {
  config: StsConfig;
  clock?: Clock;
  /** Explicit credential (tests); default is the @alicloud/credentials default chain (facts F). */
  credential?: SdkCredential;
  /** The STS emulator's CA (local mode, tests): see `SdkClientOptions.trustedCa`. Never from configuration. */
  trustedCa?: string;
  logger?: StsLogger;
  onCall?: (outcome: StsCallOutcome) => void;
  /** Called with the breaker's new state on every transition (metrics: `osb_sts_breaker_state`). */
  onBreakerStateChange?: (state: BreakerState) => void;
  /** Replaces the SDK transport (unit tests only; integration tests use the real SDK). */
  transport?: StsTransport;
  /** Backoff sleep and jitter source (tests). */
  sleep?: Sleep;
  random?: () => number;
  /** Total time budget for one assumeRole, retries included; default `timeoutMs` (see `retryDeadlineMs`). */
  deadlineMs?: number;
}

/**
 * No new attempt starts after `timeoutMs` has passed since the first began, so one assumeRole takes at most about
 * 2 x timeoutMs: fast failures (refused, 5xx) still get every attempt, a hang gets one more. This keeps the call
 * well inside the cache's cross-replica lock wait (`cache.lockTimeoutMs`, default 6 s) with the default 5 s timeout.
 */
function retryDeadlineMs(config: StsConfig): number {
  return config.timeoutMs;
}

const NULL_LOGGER: StsLogger = { warn: () => undefined, debug: () => undefined };

export function createStsClient(options: CreateStsClientOptions): StsClient {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? NULL_LOGGER;
  const onCall = options.onCall ?? (() => undefined);
  const transport =
    options.transport ??
    createSdkTransport(config, {
      ...(options.credential === undefined ? {} : { credential: options.credential }),
      ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
    });
  const budget = new UpstreamBudget({
    maxCallsPerSecond: config.maxCallsPerSecond,
    clock,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const breaker = new CircuitBreaker({
    failureThreshold: config.breaker.failureThreshold,
    openSeconds: config.breaker.openSeconds,
    clock,
    isOutage: (err) => err instanceof BrokerError && err.code === 'upstream_unavailable',
    onStateChange: (from: BreakerState, to: BreakerState) => {
      logger.warn({ event: `sts.breaker.${to === 'half-open' ? 'half_open' : to}`, from, to }, `STS breaker ${to}`);
      options.onBreakerStateChange?.(to);
    },
    onReject: () => onCall({ code: 'breaker_open', ms: 0 }),
  });
  const deadlineMs = options.deadlineMs ?? retryDeadlineMs(config);

  /** One SDK call, as its own span: a slow or retried AssumeRole shows each attempt. */
  function attempt(input: AssumeRoleInput, n: number): Promise<StsCredentials> {
    return inSpan('sts.assume_role.attempt', { attributes: { 'broker.sts.attempt': n } }, async (span) => {
      try {
        return await attemptOnce(input);
      } catch (err) {
        // The same bounded outcome code the metrics count (an STS error code or a class such as `timeout`).
        span.setAttribute('broker.sts.outcome', err instanceof BrokerError ? 'malformed' : mapStsError(err).outcomeCode);
        throw err;
      }
    });
  }

  async function attemptOnce(input: AssumeRoleInput): Promise<StsCredentials> {
    const startedAt = clock.now();
    const body = await transport.assumeRoleOnce(input);
    const credentials = parseAssumeRoleBody(body);
    if (credentials.expiresAt <= clock.now()) {
      throw new BrokerError('upstream_unavailable', 'malformed STS response', {
        cause: new Error('Credentials.Expiration is already in the past'),
      });
    }
    onCall({ code: 'ok', ms: clock.now() - startedAt });
    return credentials;
  }

  function classify(startedAt: { at: number }): (err: unknown) => MappedStsError {
    return (err) => {
      const failure = mapStsError(err);
      // The transport only throws SDK errors; a BrokerError here comes from parsing the answer.
      const code = err instanceof BrokerError ? 'malformed' : failure.outcomeCode;
      onCall({ code, ms: clock.now() - startedAt.at });
      return failure;
    };
  }

  const client: StsClient = {
    async assumeRole(input: AssumeRoleInput): Promise<StsCredentials> {
      const logFields = { roleArn: input.roleArn, roleSessionName: input.roleSessionName };
      try {
        await budget.take();
      } catch (err) {
        onCall({ code: 'budget_exhausted', ms: 0 });
        logger.warn({ event: 'sts.assume_role.budget_exhausted', ...logFields }, 'STS call budget exhausted');
        throw err;
      }
      const attemptStart = { at: clock.now() };
      return breaker.run(() =>
        withRetry(
          (n) => {
            attemptStart.at = clock.now();
            if (n > 1) logger.debug({ event: 'sts.assume_role.retry', attempt: n, ...logFields }, 'retrying');
            return attempt(input, n);
          },
          classify(attemptStart),
          {
            maxAttempts: config.maxAttempts,
            deadlineMs,
            clock,
            ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
            ...(options.random === undefined ? {} : { random: options.random }),
            // Retries are STS calls too: they spend the same budget, and are skipped when it is empty.
            beforeRetry: () => budget.tryTake(),
            onAttemptFailed: (failure, n, willRetry) =>
              logger.warn(
                {
                  event: 'sts.assume_role.failed',
                  attempt: n,
                  willRetry,
                  code: failure.error.code,
                  stsCode: failure.outcomeCode,
                  ...logFields,
                  upstream: describeCause(failure.error.cause),
                },
                'AssumeRole attempt failed',
              ),
          },
        ),
      );
    },
  };
  // The role ARN and duration are configuration, not secrets; the session policy and session name stay out.
  const attributes = (input: AssumeRoleInput) => ({
    'broker.sts.role_arn': input.roleArn,
    'broker.sts.duration_seconds': input.durationSeconds,
  });
  return { assumeRole: (input) => inSpan('sts.assume_role', { attributes: attributes(input) }, () => client.assumeRole(input)) };
}
