/**
 * Invariants 2 and 6 through the whole app: secrets never reach logs, audit events, metrics or error bodies;
 * the cached value in Redis is ciphertext; quotas and rate limits hold and fail closed when Redis is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Redis } from 'ioredis';
import { startTestBroker, REDIS_URL, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      c.profiles.uploads.quota = { perPrincipal: [{ limit: 2, windowSeconds: 3600 }] };
      c.rateLimits = { perPrincipal: { limit: 6, windowSeconds: 60 }, perIp: { limit: 1000, windowSeconds: 60 } };
    },
  });
});
afterAll(async () => broker.close());

const post = (auth: Record<string, string>, body: object) => request(broker.app).post('/v1/credentials').set(auth).send(body);

describe('secrets stay secret (invariant 2)', () => {
  it('keeps the AccessKeySecret, SecurityToken, JWT and partner secret out of logs, audit, metrics and Redis', async () => {
    const jwt = await broker.token('sam', 'acme');
    const user = await post({ authorization: `Bearer ${jwt}` }, { profile: 'uploads' });
    const partner = await post({ 'x-api-key': broker.partnerKey }, { profile: 'partner-read' });
    const refused = await post({ 'x-api-key': `${broker.partnerKey}x` }, { profile: 'partner-read' });
    expect([user.status, partner.status, refused.status]).toEqual([200, 200, 401]);

    const secrets = [
      user.body.credentials.accessKeySecret,
      user.body.credentials.securityToken,
      partner.body.credentials.accessKeySecret,
      partner.body.credentials.securityToken,
      jwt,
      broker.partnerKey.split('.')[1]!,
    ];
    const metrics = (await request(broker.app).get('/metrics')).text;
    const places = { logs: broker.logText(), audit: JSON.stringify(broker.audit), metrics, refusal: JSON.stringify(refused.body) };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `a secret appears in ${where}`).toBe(false);
    }
    // The logs and audit do name who got which token: the AccessKeyId is not a secret.
    expect(places.audit).toContain(user.body.credentials.accessKeyId);

    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${broker.shared.keyPrefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')));
      const dump = values.join('\n');
      for (const secret of secrets) expect(dump.includes(secret)).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});

describe('quotas and rate limits', () => {
  it('answers quota_exceeded with Retry-After once the per-principal quota is used; dry runs do not count', async () => {
    const auth = { authorization: `Bearer ${await broker.token('quinn', 'acme')}` };
    expect((await post(auth, { profile: 'uploads', dryRun: true })).status).toBe(200);
    expect((await post(auth, { profile: 'uploads' })).status).toBe(200);
    expect((await post(auth, { profile: 'uploads' })).status).toBe(200);
    const third = await post(auth, { profile: 'uploads' });
    expect({ status: third.status, code: third.body.code }).toEqual({ status: 429, code: 'quota_exceeded' });
    expectMatchesSpec('POST', '/v1/credentials', third);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(3500);
    // Another principal is unaffected.
    expect((await post({ authorization: `Bearer ${await broker.token('rosa', 'acme')}` }, { profile: 'uploads' })).status).toBe(200);
    expect(broker.audit.at(-2)).toMatchObject({ event: 'credentials.refused', code: 'quota_exceeded', profile: 'uploads' });
  });

  it('answers rate_limited with Retry-After past the per-principal request rate', async () => {
    const auth = { authorization: `Bearer ${await broker.token('ruth', 'acme')}` };
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 7; i += 1) {
      last = await post(auth, { profile: 'uploads', dryRun: true });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(last!.body).toMatchObject({ code: 'rate_limited', limit: 'principal' });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('store failure is explicit (invariant 6)', () => {
  it('answers 503 store_unavailable and not-ready when Redis cannot be reached, instead of allowing more', async () => {
    const down = await startTestBroker({
      tolerateStoreDown: true,
      configPatch: (c) => {
        c.redis.url = 'redis://127.0.0.1:1';
        c.redis.connectTimeoutMs = 200;
        c.profiles.uploads.quota = { perPrincipal: [{ limit: 100, windowSeconds: 60 }] };
      },
    });
    try {
      const before = down.emulator.stats.assumeRoleCalls;
      const res = await request(down.app)
        .post('/v1/credentials')
        .set('authorization', `Bearer ${await down.token('sid', 'acme')}`)
        .send({ profile: 'uploads' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
      expect(res.headers['retry-after']).toBe('1');
      expect(down.emulator.stats.assumeRoleCalls).toBe(before);
      const ready = await request(down.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'not_ready', checks: { config: 'ok', store: 'failed' } });
    } finally {
      await down.close();
    }
  });
});
