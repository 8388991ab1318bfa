/**
 * Routes that exist only in local mode: the development token issuer, and this run's credentials URL. In production
 * mode this router is never mounted, so `/dev/*` answers 404 like any unknown path.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { DevIssuer } from '../issuer/dev-issuer.js';
import { BrokerError } from '../../src/errors.js';
import { noStore, requireJson } from '../../src/http/guards.js';

const devTokenRequest = z
  .object({
    sub: z.string().min(1).max(128),
    tenant: z.string().min(1).max(128),
    ttlSeconds: z.number().int().min(60).max(86400).optional(),
    /**
     * The token's `groups` claim, as an identity provider would list a user's groups: the team profile gives one
     * folder per group. Not checked here beyond its shape, so the broker's own refusals (unsafe, too many) show.
     */
    groups: z.array(z.string().max(128)).max(50).optional(),
  })
  .strict();

/** Local mode's credentials URL of this run (start-local.ts): the full URL, its profile and the prefix it reaches. */
export interface LocalCredentialUrl {
  url: string;
  profile: string;
  prefix: string;
}

export function createDevRoutes(issuer: DevIssuer, credentialUrl: LocalCredentialUrl): Router {
  const router = Router();
  // Like /dev/token, it hands a credential to whoever reaches the loopback listener: local mode trusts this machine.
  router.get('/dev/credential-url', noStore, (_req, res) => {
    res.json(credentialUrl);
  });
  router.post('/dev/token', noStore, requireJson, express.json({ limit: 4096 }), async (req, res, next) => {
    try {
      const parsed = devTokenRequest.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new BrokerError('invalid_request', `invalid field ${issue?.path.join('.') || '(body)'}: ${issue?.message}`);
      }
      const { groups, ...request } = parsed.data;
      res.json({ token: await issuer.issue(groups === undefined ? request : { ...request, extraClaims: { groups } }) });
    } catch (error) {
      next(error);
    }
  });
  router.get('/dev/.well-known/jwks.json', (_req, res) => {
    res.json(issuer.jwks);
  });
  return router;
}
