/**
 * The express-rate-limit Store on both stores, through a real Express app: counts across "replicas" sharing
 * Redis, and fails closed (the error reaches the error handler; the request is not let through).
 */
import { afterAll, describe, expect, it } from 'vitest';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { rateLimit } from 'express-rate-limit';
import { MemoryStore, RedisStore, StoreUnavailableError, createRateLimitStore, type KeyValueStore } from '../../src/store/index.js';
import { connectedStore, redisConfig, redisScope } from './helpers.js';

const scope = redisScope('rate-limit');
const { prefix, raw, opened } = scope;
afterAll(() => scope.cleanup());

function app(store: KeyValueStore, limiterPrefix: string, limit: number) {
  const seen: unknown[] = [];
  const a = express();
  a.use(
    rateLimit({
      windowMs: 60_000,
      limit,
      store: createRateLimitStore(store, limiterPrefix),
      keyGenerator: (req) => String(req.headers['x-user'] ?? 'anon'),
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      validate: { keyGeneratorIpFallback: false },
    }),
  );
  a.get('/', (_req, res) => void res.json({ ok: true }));
  // Stands in for the HTTP layer's error middleware: StoreUnavailableError → 503 store_unavailable.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    seen.push(err);
    res.status(err instanceof StoreUnavailableError ? 503 : 500).json({ code: 'store_unavailable' });
  };
  a.use(onError);
  return { app: a, seen };
}

describe('createRateLimitStore', () => {
  it('memory: limits per key and reports a reset time', async () => {
    const { app: a } = app(new MemoryStore(), 'rl:mem:', 2);
    await request(a).get('/').set('x-user', 'u1').expect(200);
    const second = await request(a).get('/').set('x-user', 'u1').expect(200);
    expect(second.headers['ratelimit']).toMatch(/r=0/);
    await request(a).get('/').set('x-user', 'u1').expect(429);
    await request(a).get('/').set('x-user', 'u2').expect(200);
  });

  it('redis: two replicas sharing Redis count together', async () => {
    const s1 = await connectedStore(prefix);
    const s2 = await connectedStore(prefix);
    opened.push(s1, s2);
    const r1 = app(s1, 'rl:principal:', 3).app;
    const r2 = app(s2, 'rl:principal:', 3).app;
    await request(r1).get('/').set('x-user', 'alice').expect(200);
    await request(r2).get('/').set('x-user', 'alice').expect(200);
    await request(r1).get('/').set('x-user', 'alice').expect(200);
    await request(r2).get('/').set('x-user', 'alice').expect(429);
    expect(await raw.get(`${prefix}rl:principal:alice`)).toBe('4');
  });

  it('redis down: the request is refused through the error handler, never passed through', async () => {
    const dead = RedisStore.fromConfig(redisConfig(prefix, { url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 }));
    opened.push(dead);
    const { app: a, seen } = app(dead, 'rl:dead:', 100);
    const res = await request(a).get('/').set('x-user', 'bob');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ code: 'store_unavailable' });
    expect(seen[0]).toBeInstanceOf(StoreUnavailableError);
  });

  it('decrement and resetKey reach the store under the limiter prefix', async () => {
    const mem = new MemoryStore();
    const store = createRateLimitStore(mem, 'rl:x:');
    store.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof store.init>>[0]);
    await store.increment('k');
    await store.increment('k');
    await store.decrement('k');
    expect(await store.get?.('k')).toEqual({ totalHits: 1, resetTime: undefined });
    await store.resetKey('k');
    expect(await mem.get('rl:x:k')).toBeNull();
    expect(store.localKeys).toBe(true);
  });
});
