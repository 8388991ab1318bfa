/**
 * The rate-limit step on a route, after no-store as on the broker's routes: the per-IP window refuses whatever authentication decides (an
 * unauthenticated flood is limited), the order of refusals is address, authentication, caller; both counts are in
 * flight together (one store round trip); and a store that cannot count refuses (fail closed).
 * The store is the real MemoryStore; the authenticator is an injected stand-in that counts its calls.
 */
import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { MemoryStore, StoreUnavailableError, type KeyValueStore } from '../../src/store/index.js';
import type { Authenticator, Principal } from '../../src/auth/index.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import { BrokerError } from '../../src/errors.js';
import { byHeaders, noStore } from '../../src/http/guards.js';
import { rateLimits } from '../../src/http/rate-limits.js';
import { problemHandler } from '../../src/http/problem.js';
import { createLogger } from '../../src/shared/logger.js';

function principal(subject: string): Principal {
  return { kind: 'user', clientId: 'web', subject, tenant: 't', claims: { sub: subject, tenant: 't' } } as unknown as Principal;
}

function appWith(store: KeyValueStore, limits: { ip: number; principal: number }) {
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
  app.post('/x', noStore, rateLimits(store, config)(byHeaders(authenticator)), (_req, res) => void res.json({ ok: true }));
  app.use(problemHandler(createLogger('silent')));
  return { app, calls };
}

describe('rate limits on a route', () => {
  it('refuses an address over its limit as limit: ip, even with a bad token, then before verifying any token', async () => {
    const { app, calls } = appWith(new MemoryStore(), { ip: 2, principal: 100 });
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
    const { app } = appWith(new MemoryStore(), { ip: 100, principal: 2 });
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
    const store = new MemoryStore();
    store.incrementWindow = async () => {
      throw new StoreUnavailableError('down');
    };
    const { app } = appWith(store, { ip: 100, principal: 100 });
    const res = await request(app).post('/x').set('authorization', 'Bearer dave');
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
    const unauthenticated = await request(app).post('/x').set('authorization', 'Bearer bad');
    expect({ status: unauthenticated.status, code: unauthenticated.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
  });

  it('sends the per-principal count before the per-IP count has answered: one round trip for both', async () => {
    const store = new MemoryStore();
    const count = store.incrementWindow.bind(store);
    const held: Array<() => void> = [];
    const keys: string[] = [];
    store.incrementWindow = (key, windowMs) => {
      keys.push(key);
      return new Promise((resolve) => held.push(() => resolve(count(key, windowMs))));
    };
    const { app } = appWith(store, { ip: 100, principal: 100 });
    const answered = request(app)
      .post('/x')
      .set('authorization', 'Bearer erin')
      .then((res) => res);
    // Neither count answers until both have been asked for.
    await expect.poll(() => keys.length, { timeout: 10_000 }).toBe(2);
    expect(keys).toEqual([expect.stringMatching(/^rl:ip:/), expect.stringMatching(/^rl:principal:.*erin/)]);
    for (const release of held) release();
    expect((await answered).status).toBe(200);
  });

  it('a request over its IP limit is refused as limit: ip even when authentication fails before the count answers', async () => {
    const store = new MemoryStore();
    const count = store.incrementWindow.bind(store);
    let slow = false;
    store.incrementWindow = async (key, windowMs) => {
      // The count answers only after authentication has already refused.
      if (slow) await new Promise((resolve) => setTimeout(resolve, 20));
      return count(key, windowMs);
    };
    const { app } = appWith(store, { ip: 1, principal: 100 });
    expect((await request(app).post('/x').set('authorization', 'Bearer bad')).status).toBe(401);
    slow = true;
    const second = await request(app).post('/x').set('authorization', 'Bearer bad');
    expect({ status: second.status, code: second.body.code, limit: second.body.limit }).toEqual({
      status: 429,
      code: 'rate_limited',
      limit: 'ip',
    });
    expect(second.headers.ratelimit).toMatch(/^limit=1, remaining=0, reset=\d+$/);
  });
});
