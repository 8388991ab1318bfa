/**
 * The headers openapi.yaml documents are the headers the app sends: X-Request-Id everywhere, the draft-7 RateLimit
 * pair from express-rate-limit, WWW-Authenticate on 401, Retry-After and the body's `limit` on 429, Allow on 405.
 * Each response is also checked against the document (expectMatchesSpec checks documented headers too).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

let broker: TestBroker;
let bearer: Record<string, string>;
const PER_IP = { limit: 6, windowSeconds: 60 };
const PER_PRINCIPAL = { limit: 2, windowSeconds: 60 };

beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      c.rateLimits = { perIp: PER_IP, perPrincipal: PER_PRINCIPAL };
    },
  });
  bearer = { authorization: `Bearer ${await broker.token('hdr-alice', 'acme')}` };
});
afterAll(async () => broker.close());

const post = (headers: Record<string, string>) =>
  request(broker.app).post('/v1/credentials').set(headers).send({ profile: 'uploads', dryRun: true });

describe('documented response headers', () => {
  it('a caller-supplied request id is kept; an unsafe one is replaced', async () => {
    const kept = await request(broker.app).get('/healthz').set('x-request-id', 'trace-42.a:b');
    expect(kept.headers['x-request-id']).toBe('trace-42.a:b');
    const replaced = await request(broker.app).get('/healthz').set('x-request-id', 'two words; and more');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectMatchesSpec('GET', '/healthz', replaced);
  });

  it('probes and the document carry X-Request-Id', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.yaml']) {
      const res = await request(broker.app).get(path);
      expect(res.headers['x-request-id']).toBeTruthy();
      expectMatchesSpec('GET', path, res);
    }
  });

  it('401: WWW-Authenticate, and the per-IP RateLimit (the caller is not known yet)', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="oss-sts-broker"');
    expect(res.headers['ratelimit-policy']).toBe(`${PER_IP.limit};w=${PER_IP.windowSeconds}`);
    expectMatchesSpec('POST', '/v1/credentials', res);
  });

  it('200 carries the per-principal RateLimit; the third request is refused with 429 and `limit: principal`', async () => {
    const first = await post(bearer);
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe(`${PER_PRINCIPAL.limit};w=${PER_PRINCIPAL.windowSeconds}`);
    expect(first.headers.ratelimit).toMatch(new RegExp(`^limit=${PER_PRINCIPAL.limit}, remaining=1, reset=\\d+$`));
    expectMatchesSpec('POST', '/v1/credentials', first);
    expect((await post(bearer)).status).toBe(200);
    const refused = await post(bearer);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited', limit: 'principal' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers.ratelimit).toMatch(/remaining=0/);
    expectMatchesSpec('POST', '/v1/credentials', refused);
  });

  it('the per-IP limit refuses with `limit: ip`', async () => {
    let res = await post({});
    for (let i = 0; i < PER_IP.limit && res.status !== 429; i++) res = await post({});
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'rate_limited', limit: 'ip' });
    expect(res.headers['ratelimit-policy']).toBe(`${PER_IP.limit};w=${PER_IP.windowSeconds}`);
    expectMatchesSpec('POST', '/v1/credentials', res);
  });

  it.each(['get', 'put', 'patch', 'delete', 'head'] as const)('%s /v1/credentials: 405 with Allow: POST', async (method) => {
    const res = await request(broker.app)[method]('/v1/credentials');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    if (method !== 'head') expect(res.body.code).toBe('method_not_allowed');
    expectMatchesSpec(method, '/v1/credentials', res);
  });
});
