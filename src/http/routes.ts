/**
 * Every route of the broker, declared in one list (createRoutes, at the end) with what protects it written out: the
 * handlers above it are small named functions, so a declaration and a stack trace both say what a request passes.
 *
 * A handler that fails throws (or rejects); Express 5 hands a rejected promise to the route's error handlers
 * (https://expressjs.com/en/guide/migrating-5.html#rejected-promises), then to the app's problem handler.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Authenticator, Principal } from '../auth/index.js';
import { byHeaders, byUrlOrHeaders, credentialsQuery, noStore, requireJson, wellFormedQuery } from './guards.js';
import { countBeforeRefusal, countsOf, countUnlessCounted, rateLimits, type Authenticate } from './rate-limits.js';
import { refuseRevoked } from './revoked.js';
import type { Revocations } from '../revocation/index.js';
import { credentialRequestSchema, type CredentialRequest } from '../credentials/credential-request.js';
import { BrokerError } from '../errors.js';
import type { CredentialResponse, CredentialService, DryRunResponse, RequestContext } from '../credentials/index.js';
import { auditPrincipal, type AuditEventName, type AuditSink } from '../audit/audit.js';
import { postPolicyRequestSchema, type OssCallbackRequest, type Uploads } from '../uploads/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { KeyValueStore } from '../store/types.js';
import type { Admission } from '../quotas/admission.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import type { IdentityReadiness } from '../sts/identity-readiness.js';
import { asBrokerError } from './problem.js';
import { inOrder } from './in-order.js';
import { alibabaErrors, sendAlibabaCredentials, wantsAlibabaFormat } from './alibaba-sts-format.js';
import { sendJson } from './send-json.js';
import { parseBody } from './request-body.js';

import type { Logger } from '../shared/logger.js';

export interface RouteDeps {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  /** Where the rate limits are counted, with a grant's quotas when the request takes one. */
  admission: Admission;
  authenticator: Authenticator;
  credentials: CredentialService;
  uploads: Uploads;
  audit: AuditSink;
  metrics: Metrics;
  clock: Clock;
  openapiPath: string;
  /** Who is cut off: checked on every caller route right after authentication. */
  revocations: Pick<Revocations, 'assertNotRevoked'>;
  /** For failures answered outside the problem handler (the flat Alibaba error shape). */
  logger: Logger;
  /** True once shutdown has begun: readiness fails first, so no new work is routed here while the server drains. */
  isDraining?: () => boolean;
  /** The last verdict of the `cloud_identity` check; read only, so a probe never causes an STS call. */
  cloudIdentity?: Pick<IdentityReadiness, 'status'>;
}

/** A use case an issuing route hands its request to (credentials, forms): no HTTP on the other side. */
interface IssuingService<Request, Answer> {
  handle(principal: Principal, request: Request, context: RequestContext): Promise<Answer>;
}

type Send<Answer> = (req: express.Request, res: express.Response, answer: Answer) => void;

const sendOk: Send<unknown> = (_req, res, answer) => sendJson(res, 200, answer);

/**
 * The handler of every issuing route: read the request, let the service decide (it counts the request's limits
 * with the grant it takes, in one store round trip), send its answer. An answer that took no grant is counted
 * before it leaves: no caller answer goes out uncounted.
 */
function issue<Request, Answer>(
  read: (req: express.Request) => Request,
  service: IssuingService<Request, Answer>,
  send: Send<Answer> = sendOk,
): RequestHandler {
  return async function issueToCaller(req, res) {
    const counts = countsOf(req);
    const answer = await service.handle(req.principal!, read(req), { requestId: req.id, sourceIp: req.ip, count: counts.count });
    await countUnlessCounted(req);
    send(req, res, answer);
  };
}

/** The request is the JSON body (already parsed by the guards), checked against the route's schema. */
const fromBody =
  <Schema extends z.ZodType>(schema: Schema) =>
  (req: express.Request): z.infer<Schema> =>
    parseBody(schema, req.body);

/** GET /v1/credentials/{profile}: the request is the profile in the path, checked like a body's. */
const fromPath = (req: express.Request): CredentialRequest => parseBody(credentialRequestSchema, { profile: req.params.profile });

/** The broker's JSON by default, the flat format Alibaba's own clients read when asked for (alibaba-sts-format.ts). */
const sendCredentialsAsAsked: Send<CredentialResponse | DryRunResponse> = (req, res, answer) => {
  if (!('credentials' in answer)) throw new BrokerError('internal', 'a GET never asks for a dry run');
  if (wantsAlibabaFormat(req)) sendAlibabaCredentials(res, answer);
  else sendJson(res, 200, answer);
};

function reportUsage(uploads: Uploads): RequestHandler {
  return async function usage(req, res) {
    const { profile, ...rest } = req.query;
    if (typeof profile !== 'string' || profile === '' || profile.length > 64 || Object.keys(rest).length > 0) {
      throw new BrokerError('invalid_request', 'give exactly one query parameter, profile=<name>');
    }
    await countUnlessCounted(req);
    res.status(200).json(await uploads.usage.handle(req.principal!, profile));
  };
}

/** The callback as OSS sent it: the request target as received (the signature covers it), two headers, raw bytes. */
function ossCallbackRequest(req: express.Request): OssCallbackRequest {
  return {
    pathAndQuery: req.originalUrl,
    authorization: req.get('authorization'),
    publicKeyUrl: req.get('x-oss-pub-key-url'),
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}

/** The guard of the callback route: OSS's RSA signature, with a public key from an allow-listed host. */
function verifyOssSignature(uploads: Uploads): RequestHandler {
  return async function verifyOssCallbackSignature(req, _res, next) {
    await uploads.callbacks.verifySignature(ossCallbackRequest(req));
    next();
  };
}

function recordUpload(uploads: Uploads): RequestHandler {
  return async function recordCalledBackUpload(req, res) {
    res.status(200).json(await uploads.callbacks.record(ossCallbackRequest(req), { requestId: req.id }));
  };
}

/** Every refusal on a decision route (credentials, forms, callbacks) gets its audit event (before the problem handler). */
function auditRefusal(
  audit: AuditSink,
  metrics: Metrics,
  clock: Clock,
  event: AuditEventName = 'credentials.refused',
): ErrorRequestHandler {
  return function recordRefusal(error, req, _res, next) {
    const problem = asBrokerError(error);
    const named: unknown = req.params?.profile ?? req.body?.profile;
    const profile = typeof named === 'string' && named.length <= 64 ? named : undefined;
    const p = req.principal;
    audit.record({
      event,
      outcome: 'refused',
      requestId: req.id,
      at: new Date(clock.now()).toISOString(),
      code: problem.code,
      principal: p ? auditPrincipal(p) : undefined,
      profile: p ? profile : undefined,
      sourceIp: req.ip,
    });
    if (event === 'credentials.refused') {
      metrics.credentialRequests.inc({
        profile: p && profile && req.app.locals.profileNames?.has(profile) ? profile : 'none',
        outcome: problem.code,
      });
    }
    next(problem);
  };
}

/** RFC 9110, section 15.5.6: a 405 must list the methods the resource supports. */
function only(method: string): RequestHandler {
  return function refuseOtherMethods(_req, res, next) {
    res.setHeader('Allow', method);
    next(new BrokerError('method_not_allowed', `use ${method}`));
  };
}

export function createRoutes(deps: RouteDeps): Router {
  const { config, store, authenticator, credentials, uploads, audit, metrics, clock, logger } = deps;
  const openapi = readFileSync(deps.openapiPath, 'utf8');
  const router = Router();

  // What every route a caller uses runs before its handler, in this order: no-store (set before anything can fail);
  // the rate-limit step, which authenticates and leaves the address's and the caller's counts pending (rate-limits.ts:
  // they are made once, with the grant's quotas in the service, or by countBeforeRefusal when the request is refused
  // first, so an address over its limit is refused whatever its credentials, its query or its body; one per app, so an
  // address refused on one route is refused on every route); then a revoked caller is refused (revoked.ts: an
  // in-memory lookup, so a request that would be a cache hit is refused too); then the route's own input check (its
  // JSON body, or its query). Each caller route's first error handler is countBeforeRefusal.
  const limited = rateLimits(deps.admission, config);
  const notRevoked = refuseRevoked(deps.revocations);
  // One route layer for all of them (in-order.ts): each layer of a route costs Express a dispatch per request.
  const callerGuards = (authenticate: Authenticate, ...input: RequestHandler[]): RequestHandler =>
    inOrder(noStore, limited(authenticate), notRevoked, ...input);
  const headers = byHeaders(authenticator);
  const jsonBody = [requireJson, express.json({ limit: config.server.bodyLimitBytes, strict: true })];

  router
    .route('/v1/credentials')
    .post(
      callerGuards(headers, ...jsonBody),
      issue(fromBody(credentialRequestSchema), credentials),
      countBeforeRefusal,
      auditRefusal(audit, metrics, clock),
    )
    .all(only('POST'));

  // The same credentials as POST /v1/credentials (same authentication, rules, quota, cache and audit) for clients
  // that can only GET a URL: in the broker's JSON or, when asked, in the flat format Alibaba's own clients read.
  // Besides the usual headers it accepts an opt-in credentials URL (`credential=<id>.<secret>`); the access log
  // records paths only (access-log.ts), so the URL's secret is never written down by the broker.
  router
    .route('/v1/credentials/:profile')
    // Express answers HEAD with the GET handler: that would issue credentials (and spend quota) for a dropped body.
    .head(only('GET'))
    .get(
      callerGuards(byUrlOrHeaders(authenticator, config), credentialsQuery),
      issue(fromPath, credentials, sendCredentialsAsAsked),
      countBeforeRefusal,
      auditRefusal(audit, metrics, clock),
      alibabaErrors(logger),
    )
    .all(only('GET'));

  router
    .route('/v1/post-policy')
    .post(
      callerGuards(headers, ...jsonBody),
      issue(fromBody(postPolicyRequestSchema), uploads.postPolicy),
      countBeforeRefusal,
      auditRefusal(audit, metrics, clock, 'post_policy.refused'),
    )
    .all(only('POST'));

  router.route('/v1/usage').get(callerGuards(headers, wellFormedQuery), reportUsage(uploads), countBeforeRefusal).all(only('GET'));

  // Called by OSS, not by users: no caller authentication, and no per-IP limit (every callback comes from OSS's own
  // addresses, so one limit would throttle all users' uploads together). OSS's signature is the guard.
  router
    .route('/v1/oss-callback')
    .post(
      noStore,
      express.raw({ type: () => true, limit: config.server.bodyLimitBytes }),
      verifyOssSignature(uploads),
      recordUpload(uploads),
      auditRefusal(audit, metrics, clock, 'upload.callback_refused'),
    )
    .all(only('POST'));

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'failed'> = { config: 'ok' };
    const reasons: Record<string, string> = {};
    if (deps.isDraining?.() === true) checks.accepting = 'failed';
    try {
      await store.ping();
      checks.store = 'ok';
    } catch {
      checks.store = 'failed';
    }
    const identity = deps.cloudIdentity?.status();
    if (identity !== undefined) {
      checks.cloud_identity = identity.ready ? 'ok' : 'failed';
      if (identity.reason !== undefined) reasons.cloud_identity = identity.reason;
    }
    const ready = Object.values(checks).every((c) => c === 'ok');
    const body = { status: ready ? 'ready' : 'not_ready', checks, ...(Object.keys(reasons).length > 0 ? { reasons } : {}) };
    res.status(ready ? 200 : 503).json(body);
  });

  // With server.metricsPort set, /metrics lives only on that listener (runtime/metrics-server.ts): 404 here.
  if (config.server.metricsPort === undefined) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(openapi);
  });
  return router;
}
