/**
 * The rate-limit step on a route, after no-store as on the broker's routes: the per-IP window refuses whatever authentication decides (an
 * unauthenticated flood is limited), the order of refusals is address, authentication, caller, input; a request is
 * counted once, in one admission (one store round trip), refused or not; and a store that cannot count refuses (fail
 * closed).
 * The store is the real MemoryStore; the authenticator is an injected stand-in that counts its calls.
 */
import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { MemoryStore, StoreUnavailableError } from '../../src/store/index.js';
import type { Authenticator, Principal } from '../../src/auth/index.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import { BrokerError } from '../../src/errors.js';
import { byHeaders, noStore } from '../../src/http/guards.js';
import { countBeforeRefusal, countsOf, countUnlessCounted, rateLimits } from '../../src/http/rate-limits.js';
import { createQuotaCounters } from '../../src/quotas/index.js';
import type { Admission, AdmissionRequest } from '../../src/quotas/admission.js';
import { systemClock } from '../../src/shared/clock.js';
import { problemHandler } from '../../src/http/problem.js';
import { createLogger } from '../../src/shared/logger.js';

function principal(subject: string): Principal {
  return { kind: 'user', clientId: 'web', subject, tenant: 't', claims: { sub: subject, tenant: 't' } } as unknown as Principal;
}

/** The admission of local mode, on a fresh in-memory store. */
const memoryAdmission = (): Admission => createQuotaCounters(new MemoryStore(), systemClock).admission;

function appWith(admission: Admission, limits: { ip: number; principal: number }) {
  const calls = { authenticate: 0 };
  const authenticator: Authenticator = {
    async authenticate(headers) {
      calls.authenticate += 1;
      const token = headers.authorization?.replace(/^Bearer /, '');
      if (!token || token === 'bad') throw new BrokerError('unauthenticated', 'no');
      return principal(token);
    },
  };
  const config = {
    rateLimits: { perIp: { limit: limits.ip, windowSeconds: 60 }, perPrincipal: { limit: limits.principal, windowSeconds: 60 } },
  } as unknown as BrokerConfig;
  const app = express();
  app.use((req, _res, next) => {
    req.id = 'r';
    next();
  });
  app.post(
    '/x',
    noStore,
    rateLimits(admission, config)(byHeaders(authenticator)),
    // A route's own input check, refusing before anything was counted; then the answer, counted before it leaves.
    (req: express.Request, _res: express.Response, next: express.NextFunction) =>
      next(req.query.refuse === undefined ? undefined : new BrokerError('invalid_request', 'refused')),
    async (req: express.Request, res: express.Response) => {
      await countUnlessCounted(req);
      res.json({ ok: true });
    },
    countBeforeRefusal,
  );
  app.use(problemHandler(createLogger('silent')));
  return { app, calls };
}

describe('rate limits on a route', () => {
  it('refuses an address over its limit as limit: ip, even with a bad token, then before verifying any token', async () => {
    const { app, calls } = appWith(memoryAdmission(), { ip: 2, principal: 100 });
    expect((await request(app).post('/x').set('authorization', 'Bearer bad')).status).toBe(401);
    expect((await request(app).post('/x').set('authorization', 'Bearer alice')).status).toBe(200);
    const third = await request(app).post('/x').set('authorization', 'Bearer bad');
    expect({ status: third.status, code: third.body.code, limit: third.body.limit }).toEqual({
      status: 429,
      code: 'rate_limited',
      limit: 'ip',
    });
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(third.headers['cache-control']).toBe('no-store');
    const before = calls.authenticate;
    const fourth = await request(app).post('/x').set('authorization', 'Bearer alice');
    expect({ status: fourth.status, limit: fourth.body.limit }).toEqual({ status: 429, limit: 'ip' });
    expect(calls.authenticate).toBe(before);
  });

  it('limits per principal, with the RateLimit headers of the principal window', async () => {
    const { app } = appWith(memoryAdmission(), { ip: 100, principal: 2 });
    const first = await request(app).post('/x').set('authorization', 'Bearer bob');
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('2;w=60');
    expect(first.headers.ratelimit).toMatch(/^limit=2, remaining=1, reset=\d+$/);
    expect((await request(app).post('/x').set('authorization', 'Bearer bob')).status).toBe(200);
    const third = await request(app).post('/x').set('authorization', 'Bearer bob');
    expect({ status: third.status, limit: third.body.limit }).toEqual({ status: 429, limit: 'principal' });
    expect((await request(app).post('/x').set('authorization', 'Bearer carol')).status).toBe(200);
  });

  it('fails closed: a store that cannot count answers 503 store_unavailable, never the handler', async () => {
    const admission = memoryAdmission();
    admission.admit = async () => {
      throw new StoreUnavailableError('down');
    };
    const { app } = appWith(admission, { ip: 100, principal: 100 });
    const res = await request(app).post('/x').set('authorization', 'Bearer dave');
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
    const unauthenticated = await request(app).post('/x').set('authorization', 'Bearer bad');
    expect({ status: unauthenticated.status, code: unauthenticated.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
  });

  it('counts the address and the caller once, in one admission, before the answer leaves', async () => {
    const admission = memoryAdmission();
    const asked: AdmissionRequest[] = [];
    const admit = admission.admit.bind(admission);
    admission.admit = (counts) => {
      asked.push(counts);
      return admit(counts);
    };
    const { app } = appWith(admission, { ip: 100, principal: 100 });
    expect((await request(app).post('/x').set('authorization', 'Bearer erin')).status).toBe(200);
    expect(asked).toEqual([
      {
        ip: { address: expect.any(String), window: expect.anything() },
        principal: expect.objectContaining({ principalKey: expect.stringContaining('erin') }),
      },
    ]);
  });

  it('a request refused before it was counted is counted on its way out, and a limit it is over is what it hears', async () => {
    const { app } = appWith(memoryAdmission(), { ip: 100, principal: 2 });
    // Refused by its input (after authentication), twice: both count against the caller's window.
    for (let i = 0; i < 2; i += 1) {
      const refused = await request(app).post('/x?refuse=1').set('authorization', 'Bearer frank');
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 'invalid_request' });
      expect(refused.headers.ratelimit).toMatch(/^limit=2, remaining=\d, reset=\d+$/);
    }
    // The third is over the caller's limit: that refusal comes before the input's.
    const third = await request(app).post('/x?refuse=1').set('authorization', 'Bearer frank');
    expect({ status: third.status, code: third.body.code, limit: third.body.limit }).toEqual({
      status: 429,
      code: 'rate_limited',
      limit: 'principal',
    });
    expect((await request(app).post('/x').set('authorization', 'Bearer frank')).status).toBe(429);
  });

  it('a request over its IP limit is refused as limit: ip when authentication fails', async () => {
    const { app } = appWith(memoryAdmission(), { ip: 1, principal: 100 });
    expect((await request(app).post('/x').set('authorization', 'Bearer bad')).status).toBe(401);
    const second = await request(app).post('/x').set('authorization', 'Bearer bad');
    expect({ status: second.status, code: second.body.code, limit: second.body.limit }).toEqual({
      status: 429,
      code: 'rate_limited',
      limit: 'ip',
    });
    expect(second.headers.ratelimit).toMatch(/^limit=1, remaining=0, reset=\d+$/);
  });

  it('a route wired without the rate-limit step is refused before its service can take a grant', () => {
    const error = (() => {
      try {
        countsOf({} as express.Request);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('internal');
  });
});
