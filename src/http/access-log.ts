/**
 * The access log: one line per finished request, for every route that has no audit event of its own. Written by
 * hand rather than with pino-http, which builds two child loggers per request even for routes it does not log: here
 * a request that is not logged costs one Set lookup, and a logged one costs one `finish` listener and one log call.
 *
 * Only the path is logged, never the query string: a query may carry a token or other caller data.
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../shared/logger.js';

/** Logged once by their audit event (credential decisions), or not at all (probes and scrapes). */
export const UNLOGGED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/v1/credentials']);

/** The request target without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function accessLog(logger: Logger, unlogged: ReadonlySet<string> = UNLOGGED_PATHS): RequestHandler {
  return function logRequest(req, res, next) {
    const path = pathOf(req.url);
    if (unlogged.has(path)) {
      next();
      return;
    }
    const started = performance.now();
    const method = req.method;
    const id = req.id;
    // 'close' comes for every response, finished or not, so an aborted request is logged too.
    res.once('close', () => {
      const line = {
        event: 'http.request',
        req: { id, method, url: path },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (res.statusCode >= 500) logger.error(line, 'request errored');
      else logger.info(line, res.writableFinished ? 'request completed' : 'request aborted');
    });
    next();
  };
}
