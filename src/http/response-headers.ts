/**
 * The headers every answer carries, worked out once at start-up and written by one middleware: helmet's security
 * headers and the CORS headers of an actual (non-preflight) request. As middleware, helmet and cors would rebuild
 * the same constant strings on every request, in two router layers. The values are helmet's and cors's own (read
 * from them at start-up, not copied here), so an upgrade of either changes the headers. Preflights (OPTIONS) go
 * through cors, which answers them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import cors, { type CorsOptions } from 'cors';

type HeaderList = ReadonlyArray<readonly [string, string]>;

/** The headers a middleware sets on a plain GET without an Origin, captured from a stand-in response. */
function headersSetBy(middleware: RequestHandler, requestHeaders: Record<string, string> = {}): HeaderList {
  const set = new Map<string, string>();
  const res = {
    setHeader(name: string, value: string | string[]) {
      set.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    getHeader(name: string) {
      return set.get(name);
    },
    removeHeader(name: string) {
      set.delete(name);
    },
  };
  const req = { method: 'GET', headers: requestHeaders };
  let called = false;
  middleware(
    req as never,
    res as never,
    ((error?: unknown) => {
      if (error) throw error;
      called = true;
    }) as never,
  );
  // Both run synchronously; a version that did not would silently drop headers, so refuse to start instead.
  if (!called) throw new Error('a header middleware did not finish synchronously');
  return [...set];
}

export interface ResponseHeadersOptions {
  /** The CORS allow-list; an empty list means no cross-origin access. Never a wildcard. */
  corsOrigins: readonly string[];
}

export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: [...origins],
    methods: ['POST', 'GET'],
    allowedHeaders: ['Authorization', 'X-Api-Key', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  };
}

export function responseHeaders(options: ResponseHeadersOptions): RequestHandler {
  const security = headersSetBy(helmet() as unknown as RequestHandler);
  const corsMiddleware = cors(corsOptions(options.corsOrigins)) as RequestHandler;
  // Without an allowed Origin: cors sets Vary and the exposed headers, and no Access-Control-Allow-Origin.
  const anyOrigin: HeaderList = [...security, ...headersSetBy(corsMiddleware)];
  const perOrigin = new Map<string, HeaderList>();
  for (const origin of options.corsOrigins) {
    perOrigin.set(origin, [...security, ...headersSetBy(corsMiddleware, { origin })]);
  }

  return function writeResponseHeaders(req, res, next) {
    if (req.method === 'OPTIONS') {
      for (const [name, value] of security) res.setHeader(name, value);
      corsMiddleware(req, res, next);
      return;
    }
    const origin = req.headers.origin;
    const list = (origin !== undefined && perOrigin.get(origin)) || anyOrigin;
    setAll(res, list);
    next();
  };
}

function setAll(res: ServerResponse<IncomingMessage>, list: HeaderList): void {
  for (let i = 0; i < list.length; i += 1) {
    const [name, value] = list[i]!;
    res.setHeader(name, value);
  }
}
