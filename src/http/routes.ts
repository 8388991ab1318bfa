/**
 * Every route of the broker, with its guard chain written out: what protects an endpoint is visible here.
 */
import { readFileSync } from 'node:fs';
import express, { Router, type RequestHandler } from 'express';
import type { Authenticator } from '../auth/index.js';
import { noStore, requireJson, authenticate } from './guards.js';
import { perIpLimit, perPrincipalLimit } from './rate-limits.js';
import { parseCredentialRequest } from './credential-request.js';
import { BrokerError } from '../errors.js';
import type { CredentialService } from '../credentials/index.js';
import type { AuditSink } from '../audit/audit.js';
import type { Metrics } from '../metrics/metrics.js';
import type { KeyValueStore } from '../store/types.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import { asBrokerError } from './problem.js';
import { createCredentialsGetRoutes } from './credentials-get-route.js';

export interface RouteDeps {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  authenticator: Authenticator;
  credentials: CredentialService;
  audit: AuditSink;
  metrics: Metrics;
  clock: Clock;
  openapiPath: string;
}

function issueCredentials(service: CredentialService): RequestHandler {
  return async function issue(req, res, next) {
    try {
      const request = parseCredentialRequest(req.body);
      const body = await service.handle(req.principal!, request, { requestId: req.id, sourceIp: req.ip });
      res.status(200).json(body);
    } catch (error) {
      next(error);
    }
  };
}

/** Every refusal on a credential route is a decision too, and gets its audit event (before the problem handler). */
function auditRefusal(audit: AuditSink, metrics: Metrics, clock: Clock) {
  return function recordRefusal(error: unknown, req: express.Request, _res: express.Response, next: express.NextFunction) {
    const problem = asBrokerError(error);
    const named: unknown = req.params?.profile ?? req.body?.profile;
    const profile = typeof named === 'string' && named.length <= 64 ? named : undefined;
    const p = req.principal;
    audit.record({
      event: 'credentials.refused',
      outcome: 'refused',
      requestId: req.id,
      at: new Date(clock.now()).toISOString(),
      code: problem.code,
      principal: p ? { kind: p.kind, clientId: p.clientId, subject: p.subject, tenant: p.tenant } : undefined,
      profile: p ? profile : undefined,
      sourceIp: req.ip,
    });
    metrics.credentialRequests.inc({
      profile: p && profile && req.app.locals.profileNames?.has(profile) ? profile : 'none',
      outcome: problem.code,
    });
    next(problem);
  };
}

export function createRoutes(deps: RouteDeps): Router {
  const { config, store, authenticator, credentials, audit, metrics, clock } = deps;
  const openapi = readFileSync(deps.openapiPath, 'utf8');
  const router = Router();

  router.use(createCredentialsGetRoutes(deps, auditRefusal(audit, metrics, clock)));
  router.post(
    '/v1/credentials',
    noStore,
    perIpLimit(store, config),
    authenticate(authenticator),
    perPrincipalLimit(store, config),
    requireJson,
    express.json({ limit: config.server.bodyLimitBytes, strict: true }),
    issueCredentials(credentials),
    auditRefusal(audit, metrics, clock),
  );

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'failed'> = { config: 'ok' };
    try {
      await store.ping();
      checks.store = 'ok';
    } catch {
      checks.store = 'failed';
    }
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(openapi);
  });

  router.all('/v1/credentials', (_req, _res, next) => next(new BrokerError('method_not_allowed', 'use POST')));
  return router;
}
