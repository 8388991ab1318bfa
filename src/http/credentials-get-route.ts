/**
 * `GET /v1/credentials/{profile}`: the same credentials as `POST /v1/credentials` (same authentication, rules, quota,
 * cache and audit) for clients that can only GET a URL, in the broker's JSON or, when asked, in the flat format
 * Alibaba's own clients read (alibaba-sts-format.ts). Besides the usual headers it accepts an opt-in credentials URL
 * (`credential=<id>.<secret>`, auth/credential-url.ts) for clients that cannot send a header.
 *
 * The guard chain, in order: no-store -> per-IP limit, authentication (credentials URL or header), per-principal
 * limit (one step, rate-limits.ts) -> check the query; then issue -> audit refusals -> flat errors. The access log
 * records paths only (access-log.ts), so the credentials URL's secret is never written down by the broker.
 */
import type { Logger } from '../shared/logger.js';
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Authenticator } from '../auth/index.js';
import { CREDENTIAL_URL_PARAM, createCredentialUrlAuthenticator } from '../auth/index.js';
import type { CredentialService } from '../credentials/index.js';
import { BrokerError } from '../errors.js';
import { credentialRequestSchema } from '../credentials/credential-request.js';
import { parseBody } from './request-body.js';
import { byHeaders, malformedQuery, noStore } from './guards.js';
import { guardChain } from './guard-chain.js';
import { asBrokerError } from './problem.js';
import { sendJson } from './send-json.js';
import type { Authenticate, LimitedAuthentication } from './rate-limits.js';
import { sendAlibabaCredentials, sendAlibabaError, wantsAlibabaFormat } from './alibaba-sts-format.js';
import type { RouteDeps } from './routes.js';

const PATH = '/v1/credentials/:profile';
const QUERY_KEYS = new Set(['format', CREDENTIAL_URL_PARAM]);

/** Only `format=alibaba` and one `credential`; anything else is refused rather than silently ignored. */
const checkQuery: RequestHandler = (req, _res, next) => {
  const malformed = malformedQuery(req);
  if (malformed !== undefined) return next(malformed);
  for (const [key, value] of Object.entries(req.query)) {
    if (!QUERY_KEYS.has(key)) return next(new BrokerError('invalid_request', `unknown query parameter "${key}"`));
    if (typeof value !== 'string') return next(new BrokerError('invalid_request', `give the query parameter "${key}" once`));
  }
  if (req.query.format !== undefined && req.query.format !== 'alibaba') {
    return next(new BrokerError('invalid_request', 'format must be "alibaba"'));
  }
  next();
};

function byUrlOrHeaders(authenticator: Authenticator, deps: RouteDeps): Authenticate {
  const headers = byHeaders(authenticator);
  const urls = createCredentialUrlAuthenticator(deps.config);
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

function issue(service: CredentialService): RequestHandler {
  return async function issueForGet(req, res, next) {
    try {
      const request = parseBody(credentialRequestSchema, { profile: req.params.profile });
      const body = await service.handle(req.principal!, request, { requestId: req.id, sourceIp: req.ip });
      if (!('credentials' in body)) throw new BrokerError('internal', 'a GET never asks for a dry run');
      if (wantsAlibabaFormat(req)) sendAlibabaCredentials(res, body);
      else sendJson(res, 200, body);
    } catch (error) {
      next(error);
    }
  };
}

/** Failures in the flat shape for callers that asked for it; everything else goes on to the problem+json handler. */
function alibabaErrors(logger: Logger): ErrorRequestHandler {
  return function answerInAlibabaShape(error, req, res, next) {
    if (!wantsAlibabaFormat(req) || res.headersSent) return next(error);
    const problem = asBrokerError(error);
    const log = { event: 'http.request.failed', requestId: req.id, code: problem.code, status: problem.status };
    if (problem.code === 'internal') logger.error({ ...log, err: problem.cause ?? problem }, 'request failed');
    else logger.info(log, 'request refused');
    sendAlibabaError(res, req.id, problem);
  };
}

export function createCredentialsGetRoutes(
  deps: RouteDeps,
  limitedAuthentication: LimitedAuthentication,
  recordRefusal: ErrorRequestHandler,
): Router {
  const { authenticator, credentials } = deps;
  const router = Router();
  const onlyGet: RequestHandler = (_req, res, next) => {
    res.setHeader('Allow', 'GET');
    next(new BrokerError('method_not_allowed', 'use GET'));
  };
  // Express answers HEAD with the GET handler: that would issue credentials (and spend quota) for a dropped body.
  router.head(PATH, onlyGet);
  router.get(
    PATH,
    guardChain(noStore, limitedAuthentication(byUrlOrHeaders(authenticator, deps)), checkQuery),
    issue(credentials),
    recordRefusal,
    alibabaErrors(deps.logger),
  );
  router.all(PATH, onlyGet);
  return router;
}
