import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, BUCKET, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

/** The one browser origin the broker is configured to answer (server.corsOrigins). */
const APP_ORIGIN = 'https://app.example.com';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (raw) => {
      raw.server = { corsOrigins: [APP_ORIGIN] };
    },
  });
});
afterAll(async () => broker.close());

const png = { name: 'me.png', size: 48211, contentType: 'image/png' };

function post(body: unknown, auth: Record<string, string>) {
  return request(broker.app)
    .post('/v1/credentials')
    .set(auth)
    .send(body as object);
}

describe('POST /v1/credentials', () => {
  it('issues prefix-scoped credentials for an app user, then serves the same token from the cache', async () => {
    const bearer = { authorization: `Bearer ${await broker.token('carol', 'acme')}` };
    const before = broker.emulator.stats.assumeRoleCalls;
    const first = await post({ profile: 'uploads', files: [png] }, bearer);
    expect(first.status).toBe(200);
    expectMatchesSpec('POST', '/v1/credentials', first);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body.cached).toBe(false);
    expect(first.body.credentials.accessKeyId).toMatch(/^STS\./);
    expect(first.body.upload).toMatchObject({
      bucket: BUCKET,
      region: 'cn-hangzhou',
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      prefix: 'uploads/acme/carol/',
      operations: ['put', 'multipart'],
      maxSizeBytes: 1024 * 1024,
    });
    expect(Date.parse(first.body.credentials.expiration)).toBeGreaterThan(Date.now() + 10 * 60 * 1000);

    const second = await post({ profile: 'uploads', files: [png] }, bearer);
    expect(second.status).toBe(200);
    expect(second.body.cached).toBe(true);
    expect(second.body.credentials).toEqual(first.body.credentials);
    expect(broker.emulator.stats.assumeRoleCalls - before).toBe(1);
    expect(broker.audit.map((e) => e.event).slice(-2)).toEqual(['credentials.issued', 'credentials.cached']);
  });

  it('never hands one principal a token rendered for another (invariant 5)', async () => {
    const alice = await post({ profile: 'uploads' }, { authorization: `Bearer ${await broker.token('alice', 'acme')}` });
    const bob = await post({ profile: 'uploads' }, { authorization: `Bearer ${await broker.token('bob', 'acme')}` });
    const otherTenant = await post({ profile: 'uploads' }, { authorization: `Bearer ${await broker.token('alice', 'globex')}` });
    expect([alice.status, bob.status, otherTenant.status]).toEqual([200, 200, 200]);
    const ids = new Set([alice, bob, otherTenant].map((r) => r.body.credentials.accessKeyId));
    expect(ids.size).toBe(3);
    expect(bob.body.upload.prefix).toBe('uploads/acme/bob/');
    expect(otherTenant.body.upload.prefix).toBe('uploads/globex/alice/');
  });

  it('issues exact keys for a keys-scoped profile', async () => {
    const res = await post(
      { profile: 'exact', files: [{ name: 'a.txt' }, { name: 'b.txt' }] },
      { authorization: `Bearer ${await broker.token('dave', 'acme')}` },
    );
    expect(res.status).toBe(200);
    expectMatchesSpec('POST', '/v1/credentials', res);
    expect(res.body.upload.keys).toEqual(['exact/acme/dave/a.txt', 'exact/acme/dave/b.txt']);
  });

  it('issues partner credentials for an API key, with the ExternalId of the profile', async () => {
    const res = await post({ profile: 'partner-read' }, { 'x-api-key': broker.partnerKey });
    expect(res.status).toBe(200);
    expect(res.body.upload.prefix).toBe('partners/partner1/');
    expect(res.body.upload.operations).toEqual(['get', 'list']);
    expect(res.body.upload.maxSizeBytes).toBeUndefined();
  });

  it('answers a dry run with the grant and the exact policy, without calling STS or counting quota', async () => {
    const before = broker.emulator.stats.assumeRoleCalls;
    const res = await post(
      { profile: 'uploads', files: [png], dryRun: true },
      { authorization: `Bearer ${await broker.token('erin', 'acme')}` },
    );
    expect(res.status).toBe(200);
    expectMatchesSpec('POST', '/v1/credentials', res);
    expect(res.body.grant).toMatchObject({
      bucket: BUCKET,
      prefix: 'uploads/acme/erin/',
      durationSeconds: 900,
      roleSessionName: 'erin@acme',
    });
    const resources: string[] = res.body.policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(r.startsWith(`acs:oss:*:*:${BUCKET}/uploads/acme/erin/`)).toBe(true);
    expect(broker.emulator.stats.assumeRoleCalls).toBe(before);
    expect(broker.audit.at(-1)?.event).toBe('credentials.dry_run');
  });
});

describe('operational endpoints', () => {
  it('reports liveness, readiness, metrics and the OpenAPI document', async () => {
    const health = await request(broker.app).get('/healthz');
    expect(health.status).toBe(200);
    expectMatchesSpec('GET', '/healthz', health);
    const ready = await request(broker.app).get('/readyz');
    expect(ready.status).toBe(200);
    expectMatchesSpec('GET', '/readyz', ready);
    const metrics = await request(broker.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/osb_credential_requests_total\{profile="uploads",outcome="issued"\} \d+/);
    expect(metrics.text).toMatch(/osb_sts_calls_total\{code="ok"\} \d+/);
    expect(metrics.text).toMatch(/osb_token_cache_total\{result="hit"\} \d+/);
    const spec = await request(broker.app).get('/openapi.yaml');
    expect(spec.status).toBe(200);
    expect(spec.text).toContain('openapi: 3.1.0');
  });

  it('answers unknown paths and methods with problem+json', async () => {
    const missing = await request(broker.app).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('not_found');
    const wrongMethod = await request(broker.app).get('/v1/credentials');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.code).toBe('method_not_allowed');
  });

  it('serves /dev/token only in local mode: 404 here (no dev routes mounted)', async () => {
    const res = await request(broker.app).post('/dev/token').send({ sub: 'a', tenant: 'b' });
    expect(res.status).toBe(404);
  });

  it('answers CORS only for configured origins: preflight and real request', async () => {
    const preflight = (origin: string) =>
      request(broker.app)
        .options('/v1/credentials')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
    const bearer = { authorization: `Bearer ${await broker.token('cors-user', 'acme')}` };

    const allowedPreflight = await preflight(APP_ORIGIN);
    expect(allowedPreflight.status).toBe(204);
    expect(allowedPreflight.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(allowedPreflight.headers['access-control-allow-methods']).toBe('POST,GET');
    expect(allowedPreflight.headers['access-control-allow-headers']).toBe('Authorization,X-Api-Key,Content-Type,X-Request-Id');
    expect(allowedPreflight.headers['access-control-max-age']).toBe('600');
    expect(allowedPreflight.headers.vary).toMatch(/Origin/);

    const allowedPost = await post({ profile: 'uploads' }, { ...bearer, origin: APP_ORIGIN });
    expect(allowedPost.status).toBe(200);
    expect(allowedPost.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(allowedPost.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After');
    expect(allowedPost.headers.vary).toMatch(/Origin/);

    // Near misses of the allowed origin as well as a stranger: the list is matched exactly, never as a pattern.
    // Without Access-Control-Allow-Origin the browser refuses the preflight, whatever else the answer carries.
    for (const origin of ['https://evil.example', 'http://app.example.com', 'https://app.example.com.evil.example', 'null']) {
      const refusedPreflight = await preflight(origin);
      expect(refusedPreflight.headers['access-control-allow-origin'], origin).toBeUndefined();
      const refusedPost = await post({ profile: 'uploads' }, { ...bearer, origin });
      // The request itself is served (CORS is the browser's check), but without Access-Control-Allow-Origin a
      // browser does not let the page read it (https://fetch.spec.whatwg.org/#cors-check).
      expect(refusedPost.status, origin).toBe(200);
      expect(refusedPost.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });
});
