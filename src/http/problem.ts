/**
 * The one place errors become responses: RFC 9457 problem+json with a stable `code` and the request id.
 * Known errors go out with their detail; anything else is logged in full and answered with a bare 500.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { BrokerError, ERROR_TABLE, type ErrorCode } from '../errors.js';
import { StoreUnavailableError } from '../store/types.js';
import type { Logger } from '../shared/logger.js';
import { describeCause } from '../sts/error-map.js';

const PROBLEM_TYPE_BASE = 'urn:oss-sts-broker:problem:';

function sendProblem(res: Response, requestId: string, error: BrokerError): void {
  const title = ERROR_TABLE[error.code].title;
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="oss-sts-broker"');
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(error.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        ...(error.expose ? error.extensions : {}),
        type: PROBLEM_TYPE_BASE + error.code,
        title,
        status: error.status,
        detail: error.expose ? error.detail : title,
        code: error.code,
        requestId,
      }),
    );
}

/** Errors thrown by body-parser carry `type`; map the ones a caller can cause. */
function fromBodyParser(error: { type?: string; status?: number }): BrokerError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new BrokerError('payload_too_large', 'the request body exceeds the configured limit');
    case 'entity.parse.failed':
      return new BrokerError('invalid_request', 'the request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new BrokerError('unsupported_media_type', 'the request body must be UTF-8 JSON');
    case 'request.aborted':
      return new BrokerError('invalid_request', 'the request was aborted');
    default:
      return undefined;
  }
}

/** A request target (path or query) whose percent-escapes do not decode to UTF-8. */
export function malformedTarget(cause?: unknown): BrokerError {
  return new BrokerError('invalid_request', 'the request target is not valid percent-encoding', { cause });
}

export function asBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  // Express's router decodes each path parameter with decodeURIComponent and, when that fails, passes the URIError
  // on with `status: 400` (router/lib/layer.js, decodeParam): the caller's malformed escape, not a fault of ours.
  if (error instanceof URIError && (error as URIError & { status?: unknown }).status === 400) return malformedTarget(error);
  if (error instanceof StoreUnavailableError) {
    return new BrokerError('store_unavailable', 'the shared store is unavailable; try again shortly', {
      retryAfterSeconds: 1,
      cause: error,
    });
  }
  if (error && typeof error === 'object' && 'type' in error) {
    const mapped = fromBodyParser(error as { type?: string });
    if (mapped) return mapped;
  }
  return new BrokerError('internal', 'internal error', { cause: error });
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = asBrokerError(error);
    const log = { event: 'http.request.failed', requestId: req.id, code: problem.code, status: problem.status, detail: problem.detail };
    if (problem.code === 'internal') {
      // A bug of ours: the full error and stack are needed, and our own errors carry no secrets.
      logger.error({ ...log, err: problem.cause ?? problem }, 'request failed');
    } else if (problem.cause instanceof StoreUnavailableError) {
      // The store says what failed, how long it took and why (never a key or value): enough to tell a timeout
      // from a refused connection from a script error.
      logger.warn({ ...log, store: problem.cause.describe() }, 'request failed: store unavailable');
    } else if (problem.status >= 500) {
      // An upstream failure: its raw error may quote a request URL that carries the broker's own SecurityToken
      // (SDK socket errors in RPC mode), so only its name, code, status and request id are logged.
      logger.warn({ ...log, cause: describeCause(problem.cause) }, 'request failed upstream');
    } else {
      logger.info(log, 'request refused');
    }
    if (res.headersSent) return;
    sendProblem(res, req.id, problem);
  };
}

export function problemFor(code: ErrorCode, detail: string): RequestHandler {
  return (_req, _res, next) => next(new BrokerError(code, detail));
}
