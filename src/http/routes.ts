/**
 * Every route of the broker, with its guard chain written out: what protects an endpoint is visible here.
 */
import { readFileSync } from 'node:fs';
import express, { Router, type RequestHandler } from 'express';
import type { Authenticator } from '../auth/index.js';
import { byHeaders, noStore, requireJson, wellFormedQuery } from './guards.js';
import { rateLimits } from './rate-limits.js';
import { guardChain } from './guard-chain.js';
import { credentialRequestSchema } from '../credentials/credential-request.js';
import { BrokerError } from '../errors.js';
import type { CredentialService } from '../credentials/index.js';
import { auditPrincipal, type AuditEventName, type AuditSink } from '../audit/audit.js';
import { postPolicyRequestSchema, type OssCallbackRequest, type Uploads } from '../uploads/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { KeyValueStore } from '../store/types.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import { asBrokerError } from './problem.js';
import { createCredentialsGetRoutes } from './credentials-get-route.js';
import { sendJson } from './send-json.js';
import { parseBody } from './request-body.js';

import type { Logger } from '../shared/logger.js';

export interface RouteDeps {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  authenticator: Authenticator;
  credentials: CredentialService;
  uploads: Uploads;
  audit: AuditSink;
  metrics: Metrics;
  clock: Clock;
  openapiPath: string;
  /** For failures answered outside the problem handler (the flat Alibaba error shape). */
  logger: Logger;
  /** True once shutdown has begun: readiness fails first, so no new work is routed here while the server drains. */
  isDraining?: () => boolean;
}

function issueCredentials(service: CredentialService): RequestHandler {
  return async function issue(req, res, next) {
    try {
      const request = parseBody(credentialRequestSchema, req.body);
      const body = await service.handle(req.principal!, request, { requestId: req.id, sourceIp: req.ip });
      sendJson(res, 200, body);
    } catch (error) {
      next(error);
    }
  };
}

function issuePostPolicy(uploads: Uploads): RequestHandler {
  return async function issueForms(req, res, next) {
    try {
      const request = parseBody(postPolicyRequestSchema, req.body);
      sendJson(res, 200, await uploads.postPolicy.handle(req.principal!, request, { requestId: req.id, sourceIp: req.ip }));
    } catch (error) {
      next(error);
    }
  };
}

function reportUsage(uploads: Uploads): RequestHandler {
  return async function usage(req, res, next) {
    try {
      const { profile, ...rest } = req.query;
      if (typeof profile !== 'string' || profile === '' || profile.length > 64 || Object.keys(rest).length > 0) {
        throw new BrokerError('invalid_request', 'give exactly one query parameter, profile=<name>');
      }
      res.status(200).json(await uploads.usage.handle(req.principal!, profile));
    } catch (error) {
      next(error);
    }
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
    try {
      await uploads.callbacks.verifySignature(ossCallbackRequest(req));
      next();
    } catch (error) {
      next(error);
    }
  };
}

function recordUpload(uploads: Uploads): RequestHandler {
  return async function recordCalledBackUpload(req, res, next) {
    try {
      res.status(200).json(await uploads.callbacks.record(ossCallbackRequest(req), { requestId: req.id }));
    } catch (error) {
      next(error);
    }
  };
}

/** Every refusal on a decision route (credentials, forms, callbacks) gets its audit event (before the problem handler). */
function auditRefusal(audit: AuditSink, metrics: Metrics, clock: Clock, event: AuditEventName = 'credentials.refused') {
  return function recordRefusal(error: unknown, req: express.Request, _res: express.Response, next: express.NextFunction) {
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

export function createRoutes(deps: RouteDeps): Router {
  const { config, store, authenticator, credentials, uploads, audit, metrics, clock } = deps;
  const openapi = readFileSync(deps.openapiPath, 'utf8');
  const router = Router();

  // Each route's guards run as one handler (guard-chain.ts), in the order written. The first guard that can refuse
  // is the rate-limit step: an address over its limit is refused whatever its credentials, its query or its body.
  // One per app, so an address refused on one route is refused on every route.
  const limitedAuthentication = rateLimits(store, config);
  const authenticated = limitedAuthentication(byHeaders(authenticator));
  router.use(createCredentialsGetRoutes(deps, limitedAuthentication, auditRefusal(audit, metrics, clock)));
  router.post(
    '/v1/credentials',
    guardChain(noStore, authenticated, requireJson, express.json({ limit: config.server.bodyLimitBytes, strict: true })),
    issueCredentials(credentials),
    auditRefusal(audit, metrics, clock),
  );

  router.post(
    '/v1/post-policy',
    guardChain(noStore, authenticated, requireJson, express.json({ limit: config.server.bodyLimitBytes, strict: true })),
    issuePostPolicy(uploads),
    auditRefusal(audit, metrics, clock, 'post_policy.refused'),
  );

  router.get('/v1/usage', guardChain(noStore, authenticated, wellFormedQuery), reportUsage(uploads));

  // Called by OSS, not by users: no caller authentication, and no per-IP limit (every callback comes from OSS's own
  // addresses, so one limit would throttle all users' uploads together). OSS's signature is the guard.
  router.post(
    '/v1/oss-callback',
    noStore,
    express.raw({ type: () => true, limit: config.server.bodyLimitBytes }),
    verifyOssSignature(uploads),
    recordUpload(uploads),
    auditRefusal(audit, metrics, clock, 'upload.callback_refused'),
  );

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'failed'> = { config: 'ok' };
    if (deps.isDraining?.() === true) checks.accepting = 'failed';
    try {
      await store.ping();
      checks.store = 'ok';
    } catch {
      checks.store = 'failed';
    }
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
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

  // RFC 9110, section 15.5.6: a 405 must list the methods the resource supports.
  const only =
    (method: string): express.RequestHandler =>
    (_req, res, next) => {
      res.setHeader('Allow', method);
      next(new BrokerError('method_not_allowed', `use ${method}`));
    };
  router.all(['/v1/credentials', '/v1/post-policy', '/v1/oss-callback'], only('POST'));
  router.all('/v1/usage', only('GET'));
  return router;
}
