/**
 * Small named middleware, one check each, so a stack trace or a route declaration says what protects an endpoint.
 */
import type { Request, RequestHandler } from 'express';
import { BrokerError } from '../errors.js';
import { malformedTarget } from './problem.js';
import { CREDENTIAL_URL_PARAM, createCredentialUrlAuthenticator, type Authenticator, type Principal } from '../auth/index.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Authenticate } from './rate-limits.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Credentials must never be stored by a browser or a proxy (invariant 4). Set before anything can fail. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

/**
 * The query must be valid percent-encoding of UTF-8 (RFC 3986 section 2.1). Express's query parser (node:querystring)
 * does not refuse a malformed escape but replaces it, so `profile=%E0` would be read as U+FFFD and answered as some
 * other refusal; the caller should learn what is wrong with its request instead.
 */
export function malformedQuery(req: Request): BrokerError | undefined {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  try {
    decodeURIComponent(url.slice(q + 1));
    return undefined;
  } catch {
    return malformedTarget();
  }
}

export const wellFormedQuery: RequestHandler = (req, _res, next) => next(malformedQuery(req));

const CREDENTIALS_QUERY_KEYS: ReadonlySet<string> = new Set(['format', CREDENTIAL_URL_PARAM]);

/**
 * The query of GET /v1/credentials/{profile}: only `format=alibaba` and one `credential`; anything else is refused
 * rather than silently ignored.
 */
export const credentialsQuery: RequestHandler = (req, _res, next) => {
  const malformed = malformedQuery(req);
  if (malformed !== undefined) return next(malformed);
  for (const [key, value] of Object.entries(req.query)) {
    if (!CREDENTIALS_QUERY_KEYS.has(key)) return next(new BrokerError('invalid_request', `unknown query parameter "${key}"`));
    if (typeof value !== 'string') return next(new BrokerError('invalid_request', `give the query parameter "${key}" once`));
  }
  if (req.query.format !== undefined && req.query.format !== 'alibaba') {
    return next(new BrokerError('invalid_request', 'format must be "alibaba"'));
  }
  next();
};

/** Bodies are JSON only; a form post from another origin cannot reach the handler. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new BrokerError('unsupported_media_type', 'send the request body as application/json'));
    return;
  }
  next();
};

/**
 * Refuses a request that repeats a credential header. Node keeps only the first `Authorization` and joins repeated
 * `X-Api-Key` values with ", " (https://nodejs.org/api/http.html#messageheaders), so `req.get()` alone cannot tell
 * "sent twice" from "sent once": the raw header list keeps every occurrence. Which of two credentials is meant would
 * be a guess, and a proxy that appends its own header must not silently win or lose. (`req.headersDistinct` says
 * the same, but builds an object of every header on each request; this walks the names once.)
 */
function assertSingleCredentialHeaders(req: Parameters<RequestHandler>[0]): void {
  const raw = req.rawHeaders;
  let authorization = 0;
  let apiKey = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorization += 1;
    else if (name.length === 9 && name.toLowerCase() === 'x-api-key') apiKey += 1;
  }
  for (const [header, count] of [
    ['authorization', authorization],
    ['x-api-key', apiKey],
  ] as const) {
    if (count > 1) throw new BrokerError('invalid_request', `the ${header} header must be sent once, not ${count} times`);
  }
}

/** Authentication by `Authorization: Bearer` or `X-Api-Key`; run by the rate-limit step (rate-limits.ts). */
export function byHeaders(authenticator: Authenticator): Authenticate {
  return function authenticateByHeaders(req) {
    assertSingleCredentialHeaders(req);
    return authenticator.authenticate({
      authorization: req.get('authorization'),
      'x-api-key': req.get('x-api-key'),
    });
  };
}

/**
 * Authentication for GET /v1/credentials/{profile}: a credentials URL (`credential=<id>.<secret>`, opt-in per apiKey
 * client and scoped to the profile in the path: auth/credential-url.ts) or the usual headers, never both.
 */
export function byUrlOrHeaders(authenticator: Authenticator, config: Pick<BrokerConfig, 'clients' | 'profiles'>): Authenticate {
  const headers = byHeaders(authenticator);
  const urls = createCredentialUrlAuthenticator(config);
  return function authenticateUrlOrHeaders(req) {
    const param = req.query[CREDENTIAL_URL_PARAM];
    if (param === undefined) return headers(req);
    if (req.get('authorization') !== undefined || req.get('x-api-key') !== undefined) {
      throw new BrokerError('unauthenticated', 'send either a credentials URL or a header credential, not both');
    }
    if (!urls.enabled) throw new BrokerError('unauthenticated', 'credentials URLs are not accepted');
    if (typeof param !== 'string') throw new BrokerError('invalid_request', `give the query parameter "${CREDENTIAL_URL_PARAM}" once`);
    return urls.authenticate(param, String(req.params.profile));
  };
}
