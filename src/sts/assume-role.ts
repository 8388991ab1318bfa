/**
 * The broker's StsClient: circuit breaker -> upstream budgets (this replica's bucket, then the account's shared
 * count) -> bounded retries -> one SDK attempt -> parse.
 *
 * The breaker comes first: a call it refuses spends no budget, so an outage cannot drain the budget and have later
 * callers told "throttled" when STS is in fact down. A budget refusal is not an STS answer, so it leaves the breaker
 * as it was. Retries are STS calls too: each spends budget, and none is made without it, nor once the breaker has
 * opened meanwhile (the call then ends with the breaker's refusal).
 *
 * Built once (createApp's caller) and injected; nothing else in the broker touches the SDK. Failures leave as
 * BrokerError (`upstream_rejected` / `upstream_unavailable` / `upstream_throttled`, see error-map.ts; the budgets add
 * `store_unavailable` when the shared count cannot be reached) whose detail is safe to show; the raw SDK error stays
 * in `cause` for logs. `onCall` reports every outcome with a bounded code so the metrics layer can count STS calls and
 * errors without this module knowing prom-client. One assumeRole never takes longer than `assumeRoleDeadlineMs`: the
 * token cache's cross-replica lock is sized from it.
 */
import { BrokerError } from '../errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { CircuitBreaker, type BreakerState, type StillAdmitted } from './circuit-breaker.js';
import { describeCause, mapStsError, type MappedStsError } from './error-map.js';
import { parseAssumeRoleBody } from './parse-response.js';
import { withRetry, type Sleep } from './retry.js';
import { createSdkTransport, type SdkCredential, type StsConfig, type StsTransport } from './sdk-client.js';
import { BudgetRefusedError, DEFAULT_MAX_WAIT_MS, UpstreamBudget } from './upstream-budget.js';
import { createAccountBudget, DEFAULT_ACCOUNT_MAX_WAIT_MS, type AccountBudget } from './account-budget.js';
import type { KeyValueStore } from '../store/types.js';
import type { AssumeRoleInput, StsClient, StsCredentials } from './types.js';
import { inSpan } from '../tracing/index.js';

/** pino-compatible subset. Nothing here ever passes it a credential. */
export interface StsLogger {
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
  /** Explicit credential (tests); default is the @alicloud/credentials default chain (https://github.com/aliyun/credentials-nodejs#credential-provider-chain). */
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
  /** No retry starts later than this after the first attempt began; default `timeoutMs` (see `retryDeadlineMs`). */
  deadlineMs?: number;
  /**
   * The shared store, where the account-wide budget (`sts.accountCallsPerSecond`) is counted by every replica.
   * Production always passes it; without it only this replica's bucket applies (unit tests of the STS client).
   */
  store?: KeyValueStore;
}

/**
 * No new attempt starts after `timeoutMs` has passed since the first began: fast failures (refused, 5xx) still get
 * every attempt, a hang gets one more.
 */
export function retryDeadlineMs(config: StsConfig): number {
  return config.timeoutMs;
}

/** What the budgets may add: their waits, and a round trip or two to the shared store. */
const BUDGET_ALLOWANCE_MS = DEFAULT_MAX_WAIT_MS + DEFAULT_ACCOUNT_MAX_WAIT_MS + 500;

/**
 * The longest one assumeRole can take, and the deadline it is held to: the budgets' waits, then retries that start
 * no later than the retry deadline, the last of which may take its connect and its read timeout (the SDK applies
 * both, one after the other). A call still running at this point fails with `upstream_unavailable`.
 */
export function assumeRoleDeadlineMs(config: StsConfig, retryDeadline: number = retryDeadlineMs(config)): number {
  return BUDGET_ALLOWANCE_MS + retryDeadline + 2 * config.timeoutMs;
}

/** A retry the account budget could not fund: no call was made, and the previous failure is the answer. */
class UnfundedRetry extends Error {}

function withHardDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new BrokerError('upstream_unavailable', 'STS did not answer in time', { cause: new Error(`assumeRole exceeded ${ms} ms`) })),
      ms,
    );
    timer.unref();
  });
  // Promise.race subscribes to `work`, so a late rejection after the deadline won is handled, not reported.
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
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
  const sleepOption = options.sleep === undefined ? {} : { sleep: options.sleep };
  const localBudget = new UpstreamBudget({ maxCallsPerSecond: config.maxCallsPerSecond, clock, ...sleepOption });
  const accountBudget: AccountBudget | undefined =
    options.store === undefined
      ? undefined
      : createAccountBudget({ store: options.store, limit: config.accountCallsPerSecond, clock, ...sleepOption });
  const breaker = new CircuitBreaker({
    failureThreshold: config.breaker.failureThreshold,
    openSeconds: config.breaker.openSeconds,
    clock,
    isOutage: (err) => err instanceof BrokerError && err.code === 'upstream_unavailable',
    isNotAttempted: (err) => err instanceof BudgetRefusedError,
    onStateChange: (from: BreakerState, to: BreakerState) => {
      logger.warn({ event: `sts.breaker.${to === 'half-open' ? 'half_open' : to}`, from, to }, `STS breaker ${to}`);
      options.onBreakerStateChange?.(to);
    },
    onReject: () => onCall({ code: 'breaker_open', ms: 0 }),
  });
  const deadlineMs = options.deadlineMs ?? retryDeadlineMs(config);
  const hardDeadlineMs = assumeRoleDeadlineMs(config, deadlineMs);

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

  async function spendBudget(background: boolean, logFields: object): Promise<void> {
    try {
      if (background) localBudget.takeForBackground();
      else await localBudget.take();
      await accountBudget?.take({ background });
    } catch (err) {
      onCall({ code: 'budget_exhausted', ms: 0 });
      logger.warn({ event: 'sts.assume_role.budget_exhausted', background, ...logFields }, 'STS call budget exhausted');
      throw err;
    }
  }

  function callWithRetries(
    input: AssumeRoleInput,
    background: boolean,
    logFields: object,
    stillAdmitted: StillAdmitted,
  ): Promise<StsCredentials> {
    let attemptStartedAt = clock.now();
    let previous: MappedStsError | undefined;
    return withRetry(
      async (n) => {
        if (n > 1) {
          await accountBudget?.take({ background, wait: false }).catch((err: unknown) => {
            throw new UnfundedRetry('no account budget for a retry', { cause: err });
          });
          logger.debug({ event: 'sts.assume_role.retry', attempt: n, ...logFields }, 'retrying');
        }
        attemptStartedAt = clock.now();
        return attempt(input, n);
      },
      (err) => {
        if (err instanceof UnfundedRetry && previous !== undefined) {
          onCall({ code: 'budget_exhausted', ms: 0 });
          return { ...previous, retryable: false };
        }
        const failure = mapStsError(err);
        // The transport only throws SDK errors; a BrokerError here comes from parsing the answer.
        const code = err instanceof BrokerError ? 'malformed' : failure.outcomeCode;
        onCall({ code, ms: clock.now() - attemptStartedAt });
        previous = failure;
        return failure;
      },
      {
        // Background refreshes are retried by the next refresh round, not here: nobody is waiting for them.
        maxAttempts: background ? 1 : config.maxAttempts,
        deadlineMs,
        clock,
        ...sleepOption,
        ...(options.random === undefined ? {} : { random: options.random }),
        beforeRetry: () => localBudget.tryTake(),
        // Before the account budget is spent on it: a retry the open breaker stops costs nothing more.
        admitRetry: stillAdmitted,
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
            // Said as what it is: the broker's own identity is missing, STS was never asked.
            failure.outcomeCode === 'no_credentials'
              ? 'no cloud identity: the credentials chain found none, so AssumeRole was not sent'
              : 'AssumeRole attempt failed',
          ),
      },
    );
  }

  const client: StsClient = {
    async assumeRole(input: AssumeRoleInput): Promise<StsCredentials> {
      const background = input.priority === 'background';
      const logFields = { roleArn: input.roleArn, roleSessionName: input.roleSessionName };
      const call = breaker.run(async (stillAdmitted) => {
        await spendBudget(background, logFields);
        return callWithRetries(input, background, logFields, stillAdmitted);
      });
      return withHardDeadline(call, hardDeadlineMs);
    },
  };
  // The role ARN and duration are configuration, not secrets; the session policy and session name stay out.
  const attributes = (input: AssumeRoleInput) => ({
    'broker.sts.role_arn': input.roleArn,
    'broker.sts.duration_seconds': input.durationSeconds,
  });
  return { assumeRole: (input) => inSpan('sts.assume_role', { attributes: attributes(input) }, () => client.assumeRole(input)) };
}
