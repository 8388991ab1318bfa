/**
 * Cutting a principal off on two replicas sharing one Redis: revoked on replica A's admin API, refused with 403
 * `revoked` on both replicas (the requests that would have been cache hits included) well before a generous
 * deadline; its cached tokens are gone from both replicas and Redis; lifting restores service. Also: the admin API is
 * absent from the public app and refuses without its key, and a broker that cannot read revocations does not issue.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { rawClient } from '../store/helpers.js';
import { createApp } from '../../src/app.js';
import { RedisStore } from '../../src/store/index.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { createRedisRevocationBackend, createRevocations } from '../../src/revocation/index.js';

const ADMIN_KEY = randomBytes(32).toString('base64url');
const withAdmin = (c: Record<string, unknown>) => {
  c.server = { ...(c.server as object | undefined), adminPort: 0, adminKeySha256: createHash('sha256').update(ADMIN_KEY).digest('hex') };
  c.rateLimits = { perPrincipal: { limit: 10000, windowSeconds: 60 }, perIp: { limit: 10000, windowSeconds: 60 } };
};
/** Far above the 1 s the design promises: a bound on convergence, not a measure of its speed. */
const DEADLINE_MS = 10_000;
const execFileAsync = promisify(execFile);

let a: TestBroker;
let b: TestBroker;

beforeAll(async () => {
  a = await startTestBroker({ configPatch: withAdmin });
  b = await startTestBroker({ shared: a.shared, configPatch: withAdmin });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const admin = (broker: TestBroker): Express => broker.admin!;
const bearer = { authorization: `Bearer ${ADMIN_KEY}` };

function askCredentials(app: Express, token: string) {
  return request(app).post('/v1/credentials').set('authorization', `Bearer ${token}`).send({ profile: 'uploads' });
}

/** Polls until `done` holds for the answers of both replicas; returns how long that took (ms). */
async function converge(what: string, ask: (app: Express) => Promise<request.Response>, done: (res: request.Response) => boolean) {
  const startedAt = performance.now();
  for (;;) {
    const answers = await Promise.all([ask(a.app), ask(b.app)]);
    if (answers.every(done)) return performance.now() - startedAt;
    if (performance.now() - startedAt > DEADLINE_MS) throw new Error(`${what}: not converged within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the admin API', () => {
  it('is absent from the public app', async () => {
    for (const broker of [a, b]) {
      const list = await request(broker.app).get('/admin/v1/revocations').set(bearer);
      expect(list.status).toBe(404);
      expect(list.body.code).toBe('not_found');
      const revoke = await request(broker.app)
        .post('/admin/v1/revocations')
        .set(bearer)
        .send({ principal: { apiKeyId: 'pk_test_partner' }, reason: 'x' });
      expect(revoke.status).toBe(404);
    }
  });

  it('refuses without its key and with a wrong one, and audits the refusal', async () => {
    const none = await request(admin(a)).get('/admin/v1/revocations');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('unauthenticated');
    expectMatchesSpec('GET', '/admin/v1/revocations', none);
    const wrong = await request(admin(a)).get('/admin/v1/revocations').set('authorization', `Bearer ${ADMIN_KEY}x`);
    expect(wrong.status).toBe(401);
    const post = await request(admin(a))
      .post('/admin/v1/revocations')
      .set('authorization', 'Bearer nope')
      .send({ principal: { tenant: 'acme', sub: 'alice' }, reason: 'x' });
    expect(post.status).toBe(401);
    expect(a.audit.filter((e) => e.event === 'admin.refused' && e.code === 'unauthenticated').length).toBeGreaterThanOrEqual(3);
    expect(a.audit.some((e) => e.event === 'admin.revoked')).toBe(false);
  });

  it('validates what it is given', async () => {
    const res = await request(admin(a))
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme' }, reason: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
    const past = await request(admin(a))
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme', sub: 'x' }, reason: 'x', until: '2000-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    const lift = await request(admin(a)).delete('/admin/v1/revocations/rv_doesnotexist').set(bearer);
    expect(lift.status).toBe(404);
  });
});

describe('revoking an app user on two replicas', () => {
  it('refuses it on both replicas, cache hits included, drops its cached tokens, and lifting restores it', async () => {
    const mallory = await a.token('mallory', 'acme');
    const bystander = await a.token('bob', 'acme');
    const first = await askCredentials(a.app, mallory);
    expect(first.status).toBe(200);
    expect(first.body.cached).toBe(false);
    const oldKey: string = first.body.credentials.accessKeyId;
    // Warm on both replicas: B's answer comes from the shared store into its L1, A's from its L1.
    for (const app of [b.app, a.app]) {
      const warm = await askCredentials(app, mallory);
      expect(warm.body.cached).toBe(true);
      expect(warm.body.credentials.accessKeyId).toBe(oldKey);
    }

    const revoked = await request(admin(a))
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme', sub: 'mallory' }, reason: 'laptop stolen' });
    expect(revoked.status).toBe(201);
    expect(revoked.body).toMatchObject({
      principal: { tenant: 'acme', sub: 'mallory' },
      reason: 'laptop stolen',
      until: null,
      createdBy: 'admin',
    });
    expect(revoked.body.id).toMatch(/^rv_/);
    expectMatchesSpec('POST', '/admin/v1/revocations', revoked);
    expect(Date.parse(revoked.body.createdAt)).not.toBeNaN();

    const latencyMs = await converge(
      'both replicas refuse the revoked user',
      (app) => askCredentials(app, mallory),
      (res) => res.status === 403 && res.body.code === 'revoked',
    );
    console.info(`revocation reached both replicas after ${Math.round(latencyMs)} ms (measured from the 201)`);
    expectMatchesSpec('POST', '/v1/credentials', await askCredentials(b.app, mallory));

    for (const app of [a.app, b.app]) {
      const get = await request(app).get('/v1/credentials/uploads').set('authorization', `Bearer ${mallory}`);
      expect([get.status, get.body.code]).toEqual([403, 'revoked']);
      const form = await request(app)
        .post('/v1/post-policy')
        .set('authorization', `Bearer ${mallory}`)
        .send({ profile: 'uploads', files: [{ name: 'a.png', size: 1, contentType: 'image/png' }] });
      expect([form.status, form.body.code]).toEqual([403, 'revoked']);
      const usage = await request(app).get('/v1/usage?profile=uploads').set('authorization', `Bearer ${mallory}`);
      expect([usage.status, usage.body.code]).toEqual([403, 'revoked']);
      // Someone else is not affected.
      expect((await askCredentials(app, bystander)).status).toBe(200);
    }
    expect(a.audit.some((e) => e.event === 'credentials.refused' && e.code === 'revoked' && e.principal?.subject === 'mallory')).toBe(true);
    const audited = a.audit.find((e) => e.event === 'admin.revoked');
    expect(audited).toMatchObject({ actor: 'admin', revocationId: revoked.body.id, target: { tenant: 'acme', sub: 'mallory' } });

    const listed = await request(admin(b)).get('/admin/v1/revocations').set(bearer);
    expect(listed.status).toBe(200);
    expect(listed.body.map((r: { id: string }) => r.id)).toContain(revoked.body.id);
    expectMatchesSpec('GET', '/admin/v1/revocations', listed);

    // The AccessKeyId handed out before the revocation, for the storage-side deny.
    const tokens = await request(admin(b)).get('/admin/v1/principals/tokens?tenant=acme&sub=mallory').set(bearer);
    expect(tokens.status).toBe(200);
    expectMatchesSpec('GET', '/admin/v1/principals/tokens', tokens);
    expect(tokens.body).toEqual([
      {
        accessKeyId: oldKey,
        expiration: first.body.credentials.expiration.replace('Z', '.000Z'),
        profile: 'uploads',
        prefix: 'uploads/acme/mallory/',
      },
    ]);

    const lifted = await request(admin(a)).delete(`/admin/v1/revocations/${revoked.body.id}`).set(bearer);
    expect(lifted.status).toBe(204);
    expectMatchesSpec('DELETE', '/admin/v1/revocations/{id}', lifted);
    expect(a.audit.find((e) => e.event === 'admin.revocation_lifted')).toMatchObject({ actor: 'admin', revocationId: revoked.body.id });
    await converge(
      'both replicas serve the user again',
      (app) => request(app).get('/v1/usage?profile=uploads').set('authorization', `Bearer ${mallory}`),
      (res) => res.status === 200,
    );

    // The token cached before the revocation is gone from B's memory and from Redis: B issues a new one; and from
    // A's memory: A hands out B's new token, not the old one.
    const fromB = await askCredentials(b.app, mallory);
    expect(fromB.status).toBe(200);
    expect(fromB.body.cached).toBe(false);
    expect(fromB.body.credentials.accessKeyId).not.toBe(oldKey);
    const fromA = await askCredentials(a.app, mallory);
    expect(fromA.body.credentials.accessKeyId).toBe(fromB.body.credentials.accessKeyId);
  });

  it('revokes a partner API key by its id, and a revocation with an end lapses by itself', async () => {
    const ask = (app: Express) => request(app).post('/v1/credentials').set('x-api-key', a.partnerKey).send({ profile: 'partner-read' });
    expect((await ask(a.app)).status).toBe(200);
    const until = new Date(Date.now() + 2000).toISOString();
    const res = await request(admin(b))
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { apiKeyId: 'pk_test_partner' }, reason: 'key leaked', until });
    expect(res.status).toBe(201);
    expect(res.body.until).toBe(until);
    await converge('both replicas refuse the partner key', ask, (r) => r.status === 403 && r.body.code === 'revoked');
    await converge('the revocation lapses', ask, (r) => r.status === 200);
    const listed = await request(admin(a)).get('/admin/v1/revocations').set(bearer);
    expect(listed.body.map((r: { id: string }) => r.id)).not.toContain(res.body.id);
  });
});

describe('the version poll', () => {
  it('converges on both replicas when the change announcement is missed', async () => {
    const eve = await a.token('eve', 'acme');
    expect((await askCredentials(a.app, eve)).status).toBe(200);
    // Written as the admin API writes it, minus the PUBLISH: only polling the version can bring it to the replicas.
    const raw = rawClient();
    try {
      const revocation = {
        id: `rv_${randomBytes(6).toString('hex')}`,
        principal: { tenant: 'acme', sub: 'eve' },
        reason: 'poll test',
        until: null,
        createdAt: new Date().toISOString(),
        createdBy: 'admin',
      };
      await raw.hset(`${a.shared.keyPrefix}{revocations}:records`, revocation.id, JSON.stringify(revocation));
      await raw.incr(`${a.shared.keyPrefix}{revocations}:version`);
      const latencyMs = await converge(
        'the polled version',
        (app) => askCredentials(app, eve),
        (res) => res.status === 403 && res.body.code === 'revoked',
      );
      console.info(`an unannounced revocation reached both replicas after ${Math.round(latencyMs)} ms (the poll alone)`);
    } finally {
      raw.disconnect();
    }
  });
});

describe('the admin CLI', () => {
  it('revokes, lists tokens and lifts through the admin listener', async () => {
    const server = admin(a).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const cli = (...args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
        env: { ...process.env, BROKER_ADMIN_URL: `http://127.0.0.1:${port}`, BROKER_ADMIN_KEY: ADMIN_KEY },
      });
    try {
      const frank = await a.token('frank', 'acme');
      const issued = await askCredentials(a.app, frank);
      const revoked = JSON.parse((await cli('revoke', '--tenant', 'acme', '--sub', 'frank', '--reason', 'laptop stolen')).stdout);
      expect(revoked).toMatchObject({ principal: { tenant: 'acme', sub: 'frank' }, createdBy: 'admin' });
      expect((await askCredentials(a.app, frank)).body.code).toBe('revoked');
      const tokens = JSON.parse((await cli('tokens', '--tenant', 'acme', '--sub', 'frank')).stdout);
      expect(tokens.map((t: { accessKeyId: string }) => t.accessKeyId)).toEqual([issued.body.credentials.accessKeyId]);
      await cli('lift', revoked.id);
      const listed = JSON.parse((await cli('list')).stdout);
      expect(listed.map((r: { id: string }) => r.id)).not.toContain(revoked.id);
      // A wrong key: the CLI fails with the problem on stderr.
      const wrong = await execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'list'], {
        env: { ...process.env, BROKER_ADMIN_URL: `http://127.0.0.1:${port}`, BROKER_ADMIN_KEY: 'wrong' },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(wrong).toMatchObject({ code: 1 });
      expect(JSON.parse((wrong as { stderr: string }).stderr).code).toBe('unauthenticated');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});

describe('failing closed', () => {
  it('does not issue when it cannot read the revocations', async () => {
    // The broker's own store works (memory); only the revocations' Redis is unreachable.
    const memory = await startTestBroker({ store: 'memory', shared: a.shared, configPatch: withAdmin });
    const dead = RedisStore.fromConfig({
      ...memory.config.redis,
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 200,
      commandTimeoutMs: 200,
    });
    const broker = createApp({
      config: memory.config,
      store: memory.store,
      sts: { assumeRole: () => Promise.reject(new Error('not called')) },
      authenticator: createAuthenticator({ clients: memory.config.clients, clock: systemClock, localJwks: { web: a.shared.issuer.jwks } }),
      encryptionKey: Buffer.from(a.shared.cacheKey, 'base64'),
      revocationBackend: createRedisRevocationBackend(dead),
      audit: { record: () => undefined },
    });
    try {
      const res = await askCredentials(broker.app, await a.token('carol', 'acme'));
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('store_unavailable');
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      broker.tokenCache.close();
      await broker.revocations.close();
      await dead.close();
      await memory.close();
    }
  });
});

describe('recording what was handed out', () => {
  it('does not hand out a token whose AccessKeyId cannot be recorded, counts it, and releases nothing it took', async () => {
    const grace = await a.token('grace', 'acme');
    // A real Redis failure of the record alone: the principal's record key holds a string, so its ZADD fails.
    const identity = JSON.stringify(['user', 'acme', 'grace']);
    const recordKey = `${a.shared.keyPrefix}{principal:${createHash('sha256').update(identity).digest('hex')}}:tokens`;
    const raw = rawClient();
    const failures = async () =>
      (await a.metrics.registry.getSingleMetric('osb_handout_record_failures_total')!.get()).values[0]?.value ?? 0;
    try {
      await raw.set(recordKey, 'not a sorted set');
      const before = await failures();
      const refused = await askCredentials(a.app, grace);
      expect([refused.status, refused.body.code, refused.headers['retry-after']]).toEqual([503, 'store_unavailable', '1']);
      expect(refused.body.credentials).toBeUndefined();
      expect((await failures()) - before).toBe(1);
      await raw.del(recordKey);
      // The token the broker obtained stayed inside it; handed out now, and listed.
      const served = await askCredentials(a.app, grace);
      expect(served.status).toBe(200);
      const listed = await request(admin(a)).get('/admin/v1/principals/tokens?tenant=acme&sub=grace').set(bearer);
      expect(listed.body.map((t: { accessKeyId: string }) => t.accessKeyId)).toEqual([served.body.credentials.accessKeyId]);
    } finally {
      await raw.del(recordKey);
      raw.disconnect();
    }
  });
});

describe('lapsed revocations', () => {
  it('are deleted from the Redis hash by the replicas, once, and never listed', async () => {
    const store = a.store as RedisStore;
    let now = Date.now();
    const clock = { now: () => now };
    // Two replicas' views on the same Redis, sweeping often.
    const replicas = [0, 1].map(() =>
      createRevocations({
        backend: createRedisRevocationBackend(store),
        clock,
        pollIntervalMs: 20,
        sweepIntervalMs: 50,
        sweepGraceMs: 1000,
      }),
    );
    const raw = rawClient();
    const records = `${a.shared.keyPrefix}{revocations}:records`;
    try {
      const lapsing = await replicas[0]!.revoke(
        { principal: { tenant: 'acme', sub: 'lapsing' }, reason: 'sweep test', until: new Date(now + 60_000).toISOString() },
        'admin',
      );
      expect(await raw.hexists(records, lapsing.id)).toBe(1);
      now += 61_500; // past its end and the grace period
      expect((await replicas[1]!.list()).map((r) => r.id)).not.toContain(lapsing.id);
      const deadline = Date.now() + DEADLINE_MS;
      while ((await raw.hexists(records, lapsing.id)) === 1) {
        if (Date.now() > deadline) throw new Error('the lapsed revocation was not deleted');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await replicas[0]!.list()).map((r) => r.id)).not.toContain(lapsing.id);
    } finally {
      raw.disconnect();
      for (const r of replicas) await r.close();
    }
  });
});
