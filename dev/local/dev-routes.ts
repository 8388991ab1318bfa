/**
 * Routes that exist only in local mode: the development token issuer. In production mode this router is never
 * mounted, so `POST /dev/token` answers 404 like any unknown path.
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
  })
  .strict();

export function createDevRoutes(issuer: DevIssuer): Router {
  const router = Router();
  router.post('/dev/token', noStore, requireJson, express.json({ limit: 4096 }), async (req, res, next) => {
    try {
      const parsed = devTokenRequest.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new BrokerError('invalid_request', `invalid field ${issue?.path.join('.') || '(body)'}: ${issue?.message}`);
      }
      res.json({ token: await issuer.issue(parsed.data) });
    } catch (error) {
      next(error);
    }
  });
  router.get('/dev/.well-known/jwks.json', (_req, res) => {
    res.json(issuer.jwks);
  });
  return router;
}
