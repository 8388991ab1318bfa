/**
 * The one place that turns whatever the STS SDK throws into a BrokerError, and says whether it is worth retrying.
 *
 * - A request STS refuses because of how *we* are set up (role, policy, our AccessKey, signing) is `upstream_rejected`
 *   (502): retrying cannot help, so it is not retried and does not trip the breaker (STS answered).
 * - Throttling is `upstream_throttled` (503 + Retry-After from `x-acs-retry-after`, or 1 s) and never retried here:
 *   the AssumeRole quota is the account's, shared with every replica and service, and retrying into it makes it
 *   worse. The caller waits, and the token cache's single flight means one caller per key asks again.
 * - STS or the network being down is `upstream_unavailable` (503), retried, and counted by the breaker.
 * - Anything we do not recognise is `upstream_unavailable` too: never a 500, and never the raw message, which can
 *   carry the request URL or a proxy's page. The raw error is kept as `cause`, for logs only.
 *
 * Error classes and fields as openapi-core 1.0.8 throws them (https://github.com/aliyun/darabonba-openapi; https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)): ClientError (4xx),
 * ServerError (5xx), ThrottlingError (any code containing "Throttling", `retryAfter` from `x-acs-retry-after`),
 * a bare SyntaxError for a non-JSON error body, RequestTimeoutError (no code) for a read timeout, and Node's
 * errno errors (ECONNREFUSED, ECONNRESET "socket hang up", ...) for the socket.
 */
import { BrokerError } from '../errors.js';
import { REJECTED, ruleForCode, THROTTLED, UNAVAILABLE, type StsErrorRule } from './error-table.js';

/** Socket-level failures: the request may never have reached STS, so a retry is safe (AssumeRole has no effect). */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * TLS failures: the endpoint's certificate is not trusted, expired or for another name, or the endpoint does not
 * speak TLS at all (EPROTO). A retry a moment later meets the same certificate, so these are not retried; they get
 * their own outcome so an operator sees "tls" in the metrics rather than "unknown".
 */
function isTlsFailure(code: unknown): boolean {
  return (
    typeof code === 'string' &&
    (code === 'EPROTO' ||
      code.startsWith('ERR_TLS_') ||
      code.startsWith('ERR_SSL_') ||
      /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))
  );
}

/** Throttling without a usable `x-acs-retry-after`: ask callers to wait this long. */
export const DEFAULT_THROTTLE_RETRY_AFTER_SECONDS = 1;
const MAX_RETRY_AFTER_SECONDS = 60;

export interface MappedStsError {
  error: BrokerError;
  retryable: boolean;
  /** True when the failure says STS (or the path to it) is unavailable: the breaker counts these. */
  outage: boolean;
  /** Bounded label for metrics and logs: a known STS code, or a class such as `timeout`, `network`, `http_5xx`. */
  outcomeCode: string;
}

/** Only codes that look like STS codes go into a caller-visible detail (a proxy could send anything). */
function safeCode(code: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(code) ? code : undefined;
}

function fieldOf(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/**
 * Seconds to tell the caller, from `x-acs-retry-after` as the SDK reports it. darabonba's retry loop uses it
 * directly as a delay in milliseconds (`Math.min(retryAfter, 120 * 1000)`), so we read it as milliseconds too.
 */
function retryAfterSecondsOf(err: unknown): number {
  const raw = fieldOf(err, 'retryAfter');
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) return DEFAULT_THROTTLE_RETRY_AFTER_SECONDS;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(raw / 1000)));
}

function fromRule(err: unknown, rule: StsErrorRule, code: string, status: number | undefined): MappedStsError {
  const shown = safeCode(code);
  const known = shown !== undefined && ruleForCode(shown) !== undefined;
  const outcomeCode = known ? shown : `http_${statusClass(status)}`;
  // The STS code is safe to show (it names no secret and helps an operator); the message and request id are not.
  const extensions = shown === undefined ? {} : { stsCode: shown };
  if (rule.kind === 'rejected') {
    const detail = shown === undefined ? 'STS refused the request' : `STS refused: ${shown}`;
    const error = new BrokerError('upstream_rejected', detail, { cause: err, extensions });
    return { error, retryable: false, outage: false, outcomeCode };
  }
  if (rule.kind === 'throttled') {
    const error = new BrokerError('upstream_throttled', 'STS is throttling this account', {
      cause: err,
      retryAfterSeconds: retryAfterSecondsOf(err),
      extensions,
    });
    return { error, retryable: rule.retryable, outage: false, outcomeCode };
  }
  const detail = shown === undefined ? 'STS returned an error' : `STS returned an error: ${shown}`;
  const error = new BrokerError('upstream_unavailable', detail, { cause: err, extensions });
  return { error, retryable: rule.retryable, outage: true, outcomeCode };
}

function statusClass(status: number | undefined): string {
  return status === undefined ? 'unknown' : `${Math.floor(status / 100)}xx`;
}

function unavailable(err: unknown, detail: string, outcomeCode: string, retryable: boolean): MappedStsError {
  const error = new BrokerError('upstream_unavailable', detail, { cause: err });
  return { error, retryable, outage: true, outcomeCode };
}

/** Maps anything thrown by an AssumeRole attempt. Never throws; never copies the raw message into `detail`. */
export function mapStsError(err: unknown): MappedStsError {
  if (err instanceof BrokerError) {
    // Throttling is never retried here (see the top of this file); an outage is.
    const outage = err.code === 'upstream_unavailable';
    return { error: err, retryable: outage, outage, outcomeCode: err.code };
  }
  const name = fieldOf(err, 'name');
  const code = fieldOf(err, 'code');
  const status = fieldOf(err, 'statusCode');
  const httpStatus = typeof status === 'number' ? status : undefined;

  // An answer from STS (or something speaking its error format): ClientError / ServerError / ThrottlingError.
  if (httpStatus !== undefined && typeof code === 'string') {
    const rule = ruleForCode(code);
    if (rule !== undefined) return fromRule(err, rule, code, httpStatus);
    if (httpStatus === 429) return fromRule(err, THROTTLED, code, httpStatus);
    if (httpStatus >= 500 || httpStatus === 408) return fromRule(err, UNAVAILABLE, code, httpStatus);
    // An unknown 4xx code is still STS refusing this request; repeating it would be refused the same way.
    return fromRule(err, REJECTED, code, httpStatus);
  }
  if (code === 'InvalidCredentials' || (err instanceof Error && err.message.startsWith('unable to get credentials'))) {
    // The default chain found nothing (https://github.com/aliyun/credentials-nodejs#credential-provider-chain): the broker's own setup, not STS. Retrying re-walks a slow chain.
    return unavailable(err, 'The broker has no usable Alibaba Cloud credentials', 'no_credentials', false);
  }
  if (name === 'SyntaxError') {
    // A non-JSON error body: an HTML page from a proxy or load balancer in front of STS.
    return unavailable(err, 'STS answered with an unreadable response', 'bad_response', true);
  }
  if (name === 'RequestTimeoutError') return unavailable(err, 'STS did not answer in time', 'timeout', true);
  if (typeof code === 'string' && NETWORK_ERRNOS.has(code)) {
    return unavailable(err, 'STS could not be reached', code === 'ETIMEDOUT' ? 'timeout' : 'network', true);
  }
  if (isTlsFailure(code)) return unavailable(err, 'STS could not be reached securely (TLS)', 'tls', false);
  if (err instanceof Error && /socket hang up/i.test(err.message)) {
    return unavailable(err, 'STS could not be reached', 'network', true);
  }
  return unavailable(err, 'STS call failed', 'unknown', false);
}

/**
 * The fields of an upstream error that are safe and useful in a log line: class, code, HTTP status, STS request id
 * (what Alibaba support asks for). Not the message: with the RPC signature the SDK's socket errors quote the whole
 * request URL, SecurityToken included (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
 */
export function describeCause(err: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of ['name', 'code', 'statusCode', 'requestId'] as const) {
    const value = fieldOf(err, key);
    if (typeof value === 'string') out[key] = value.slice(0, 128);
    else if (typeof value === 'number') out[key] = value;
  }
  return out;
}
