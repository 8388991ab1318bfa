/**
 * The admin API, on its own listener (`server.adminPort`; runtime/ starts it), never on the public port: revoke a
 * principal, list and lift revocations, list the AccessKeyIds handed to a principal. Every request carries
 * `Authorization: Bearer <admin key>`, matched against the admin key hashes (auth/admin-keys.ts), or, with
 * `server.adminOidc`, `Bearer <ID token>` from the operators' identity provider (auth/admin-oidc.ts). Every action
 * (and every refusal) is audited with who did it: the key's operator, or `oidc:<name>`.
 */
import express, { Router, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { AdminKeys, AdminOidc } from '../auth/index.js';
import { BrokerError } from '../errors.js';
import type { AuditEvent, AuditSink } from '../audit/audit.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { revocationRequestSchema, revocationTargetSchema, type RevocationTarget, type Revocations } from '../revocation/index.js';
import { requestId } from './request-id.js';
import { accessLog } from './access-log.js';
import { noStore, requireJson, wellFormedQuery } from './guards.js';
import { parseBody } from './request-body.js';
import { problemFor, problemHandler, asBrokerError } from './problem.js';
import { sendJson } from './send-json.js';
import type { BucketPolicyAdmin } from './admin-bucket-policy.js';

export interface AdminDeps {
  revocations: Revocations;
  /** The admin keys (server.adminKeySha256, server.adminKeys, or their KMS secrets, refreshed). */
  adminKeys: AdminKeys;
  /** Operators signing in with their identity provider (server.adminOidc), when configured. */
  adminOidc?: AdminOidc | undefined;
  audit: AuditSink;
  clock: Clock;
  logger: Logger;
  bodyLimitBytes: number;
  /** Produces, applies and removes a revocation's bucket-policy Deny (admin-bucket-policy.ts). */
  bucketPolicy: BucketPolicyAdmin;
}

/** Bearer scheme, RFC 6750 section 2.1; anything longer than an ID token could be is refused unread. */
const BEARER = /^Bearer ([\x21-\x7e]{1,8192})$/i;

/** A compact JWS: three base64url parts. Only such a bearer is worth verifying as an ID token. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The operator a request was authenticated as (requireAdmin sets it). */
const actorOf = (res: Response): string | undefined => res.locals.adminActor as string | undefined;

function requireAdmin(adminKeys: AdminKeys, adminOidc: AdminOidc | undefined): RequestHandler {
  const required =
    adminOidc === undefined
      ? 'a valid admin key is required (Authorization: Bearer <admin key>)'
      : 'a valid admin key or admin ID token is required (Authorization: Bearer <admin key or ID token>)';
  return async function requireAdmin(req, res, next) {
    const match = BEARER.exec(req.get('authorization') ?? '');
    const bearer = match?.[1] ?? '';
    // Look up whatever came (or nothing), so a missing and a wrong key take the same path.
    const keyActor = adminKeys.identify(bearer);
    if (keyActor !== undefined && match !== null) {
      res.locals.adminActor = keyActor;
      next();
      return;
    }
    if (adminOidc === undefined || match === null || !COMPACT_JWS.test(bearer)) {
      next(new BrokerError('unauthenticated', required));
      return;
    }
    try {
      res.locals.adminActor = await adminOidc.identify(bearer);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** `tenant` + `sub`, `apiKeyId` or `credentialUrlId` from the query, checked like a request body's principal. */
function targetFromQuery(req: Request): RevocationTarget {
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') throw new BrokerError('invalid_request', `give ${name} once`);
    query[name] = value;
  }
  const parsed = revocationTargetSchema.safeParse(query);
  if (!parsed.success) {
    throw new BrokerError('invalid_request', 'name one principal: tenant=…&sub=…, apiKeyId=… or credentialUrlId=…');
  }
  return parsed.data;
}

export function createAdminApp(deps: AdminDeps): Express {
  const { revocations, audit, clock, logger } = deps;
  const record = (req: Request, event: Omit<AuditEvent, 'requestId' | 'at' | 'actor' | 'sourceIp'>): void =>
    audit.record({ ...event, requestId: req.id, at: new Date(clock.now()).toISOString(), actor: actorOf(req.res!), sourceIp: req.ip });

  const router = Router();
  router
    .route('/admin/v1/revocations')
    .post(requireJson, express.json({ limit: deps.bodyLimitBytes, strict: true }), async function revoke(req, res) {
      const request = parseBody(revocationRequestSchema, req.body);
      const revocation = await revocations.revoke(request, actorOf(res)!);
      record(req, {
        event: 'admin.revoked',
        outcome: 'revoked',
        revocationId: revocation.id,
        target: revocation.principal,
        reason: revocation.reason,
        until: revocation.until,
      });
      res.setHeader('Location', `/admin/v1/revocations/${revocation.id}`);
      sendJson(res, 201, revocation);
    })
    .get(wellFormedQuery, async function listRevocations(req, res) {
      const list = await revocations.list();
      record(req, { event: 'admin.revocations_listed', outcome: 'listed' });
      sendJson(res, 200, list);
    });

  router.delete('/admin/v1/revocations/:id', async function lift(req, res) {
    const id = req.params.id ?? '';
    const lifted = /^rv_[A-Za-z0-9_-]{1,64}$/.test(id) ? await revocations.lift(id) : undefined;
    if (lifted === undefined) throw new BrokerError('not_found', 'no revocation with this id is in force');
    record(req, {
      event: 'admin.revocation_lifted',
      outcome: 'lifted',
      revocationId: lifted.id,
      target: lifted.principal,
      reason: lifted.reason,
    });
    res.status(204).end();
  });

  /** The revocation in force with this id, or 404. */
  async function revocationInForce(req: Request) {
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    const found = /^rv_[A-Za-z0-9_-]{1,64}$/.test(id) ? (await revocations.list()).find((r) => r.id === id) : undefined;
    if (found === undefined) throw new BrokerError('not_found', 'no revocation with this id is in force');
    return found;
  }

  // The Deny statements for the AccessKeyIds the revoked principal still holds: produced here without any cloud
  // call (GET), applied to each bucket with admin.bucketPolicy's identity (POST), and removed again (DELETE), e.g.
  // before lifting the revocation; a statement nobody removes lapses by itself when the last token it names expires.
  router
    .route('/admin/v1/revocations/:id/bucket-policy')
    .get(wellFormedQuery, async function produceBucketPolicy(req, res) {
      const revocation = await revocationInForce(req);
      const plan = deps.bucketPolicy.plan(await revocations.tokens(revocation.principal));
      record(req, { event: 'admin.bucket_policy_produced', outcome: 'listed', revocationId: revocation.id, target: revocation.principal });
      sendJson(res, 200, { revocationId: revocation.id, principal: revocation.principal, ...plan });
    })
    .post(async function applyBucketPolicy(req, res) {
      const revocation = await revocationInForce(req);
      const buckets = await deps.bucketPolicy.apply(await revocations.tokens(revocation.principal));
      record(req, {
        event: 'admin.bucket_policy_applied',
        outcome: 'applied',
        revocationId: revocation.id,
        target: revocation.principal,
        buckets,
      });
      sendJson(res, 200, { revocationId: revocation.id, buckets });
    })
    .delete(async function removeBucketPolicy(req, res) {
      const revocation = await revocationInForce(req);
      const buckets = await deps.bucketPolicy.remove(await revocations.tokens(revocation.principal));
      record(req, {
        event: 'admin.bucket_policy_removed',
        outcome: 'removed',
        revocationId: revocation.id,
        target: revocation.principal,
        buckets,
      });
      res.status(204).end();
    });

  router.get('/admin/v1/principals/tokens', wellFormedQuery, async function listTokens(req, res) {
    const target = targetFromQuery(req);
    const tokens = await revocations.tokens(target);
    record(req, { event: 'admin.tokens_listed', outcome: 'listed', target });
    sendJson(res, 200, tokens);
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId(), accessLog(logger, new Set()), noStore);
  app.use(requireAdmin(deps.adminKeys, deps.adminOidc));
  app.use(router);
  app.use(problemFor('not_found', 'no such admin resource'));
  // Refusals are admin actions too: who tried what, and why it was refused.
  app.use(function auditAdminRefusal(error: unknown, req: Request, res: express.Response, next: express.NextFunction) {
    const problem = asBrokerError(error);
    audit.record({
      event: 'admin.refused',
      outcome: 'refused',
      requestId: req.id,
      at: new Date(clock.now()).toISOString(),
      actor: actorOf(res),
      code: problem.code,
      sourceIp: req.ip,
    });
    next(problem);
  });
  app.use(problemHandler(logger));
  return app;
}
