/** Every documented bad input gets a specific problem+json code and status: never a 500, never a token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { SignJWT, generateKeyPair } from 'jose';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

let broker: TestBroker;
let bearer: Record<string, string>;
/** The broker's clock; moved forward to make a token expire without waiting. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
beforeAll(async () => {
  broker = await startTestBroker({ store: 'memory', clock });
  bearer = { authorization: `Bearer ${await broker.token('alice', 'acme')}` };
});
afterAll(async () => broker.close());

async function expectProblem(res: request.Response, status: number, code: string) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  expect(res.body.credentials).toBeUndefined();
  expectMatchesSpec('POST', '/v1/credentials', res);
}

const post = (body: unknown, auth: Record<string, string> = bearer) =>
  request(broker.app)
    .post('/v1/credentials')
    .set(auth)
    .send(body as object);

describe('authentication refusals', () => {
  it('refuses a missing credential with 401 and WWW-Authenticate', async () => {
    const res = await post({ profile: 'uploads' }, {});
    await expectProblem(res, 401, 'unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it.each([
    ['garbage bearer', { authorization: 'Bearer not.a.jwt' }],
    ['basic auth', { authorization: 'Basic YTpi' }],
    ['unknown API key', { 'x-api-key': 'pk_nobody.c2VjcmV0c2VjcmV0' }],
    ['malformed API key', { 'x-api-key': 'no-dot-here' }],
  ])('refuses %s', async (_name, auth) => {
    await expectProblem(await post({ profile: 'uploads' }, auth), 401, 'unauthenticated');
  });

  it('refuses a wrong partner secret and a token and a key together', async () => {
    const [keyId] = broker.partnerKey.split('.');
    await expectProblem(
      await post({ profile: 'partner-read' }, { 'x-api-key': `${keyId}.d3Jvbmctc2VjcmV0LXZhbHVl` }),
      401,
      'unauthenticated',
    );
    await expectProblem(await post({ profile: 'partner-read' }, { ...bearer, 'x-api-key': broker.partnerKey }), 401, 'unauthenticated');
  });

  it('refuses an expired token (past the clock tolerance) and accepts it before', async () => {
    const token = await broker.issuer.issue({ sub: 'alice', tenant: 'acme', ttlSeconds: 60 });
    expect((await post({ profile: 'uploads', dryRun: true }, { authorization: `Bearer ${token}` })).status).toBe(200);
    clock.offsetMs = 60_000 + 31_000; // past exp and the default 30 s tolerance
    try {
      const res = await post({ profile: 'uploads', dryRun: true }, { authorization: `Bearer ${token}` });
      await expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/expired/);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('refuses foreign-signed and alg:none tokens', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'x' })
      .setIssuer('https://issuer.test/')
      .setAudience('broker-test')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'https://issuer.test/', aud: 'broker-test', sub: 'alice', tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    for (const token of [foreign, none]) {
      await expectProblem(await post({ profile: 'uploads' }, { authorization: `Bearer ${token}` }), 401, 'unauthenticated');
    }
  });
});

describe('request refusals', () => {
  it('refuses malformed JSON, non-JSON and oversized bodies', async () => {
    await expectProblem(
      await request(broker.app).post('/v1/credentials').set(bearer).set('content-type', 'application/json').send('{"profile":'),
      400,
      'invalid_request',
    );
    await expectProblem(
      await request(broker.app).post('/v1/credentials').set(bearer).set('content-type', 'text/plain').send('profile=uploads'),
      415,
      'unsupported_media_type',
    );
    const huge = { profile: 'uploads', files: Array.from({ length: 900 }, (_, i) => ({ name: `file-${i}-${'x'.repeat(20)}.png` })) };
    await expectProblem(await post(huge), 413, 'payload_too_large');
  });

  it.each([
    ['an unknown field', { profile: 'uploads', bucket: 'other' }, 400, 'invalid_request'],
    ['a non-object body', [1, 2], 400, 'invalid_request'],
    ['a negative size', { profile: 'uploads', files: [{ name: 'a.png', size: -1 }] }, 400, 'invalid_request'],
    ['an unknown profile', { profile: 'nope' }, 404, 'unknown_profile'],
    ['a profile of another client', { profile: 'partner-read' }, 403, 'forbidden'],
    ['a disallowed extension', { profile: 'uploads', files: [{ name: 'run.exe' }] }, 400, 'file_type_not_allowed'],
    [
      'a disallowed content type',
      { profile: 'uploads', files: [{ name: 'a.png', contentType: 'text/html' }] },
      400,
      'file_type_not_allowed',
    ],
    ['a file over the size limit', { profile: 'uploads', files: [{ name: 'a.png', size: 1024 * 1024 + 1 }] }, 400, 'file_too_large'],
    [
      'too many files',
      { profile: 'uploads', files: ['a.png', 'b.png', 'c.png', 'd.png'].map((name) => ({ name })) },
      400,
      'too_many_files',
    ],
    ['a keys profile without files', { profile: 'exact' }, 400, 'files_required'],
    ['a path traversal name', { profile: 'exact', files: [{ name: '../bob/x.txt' }] }, 400, 'invalid_name'],
    ['a slash in a name', { profile: 'exact', files: [{ name: 'dir/x.txt' }] }, 400, 'invalid_name'],
    ['a wildcard name', { profile: 'exact', files: [{ name: '*.txt' }] }, 400, 'invalid_name'],
    ['a control character', { profile: 'exact', files: [{ name: 'a\u0000.txt' }] }, 400, 'invalid_name'],
    ['a template in a name', { profile: 'exact', files: [{ name: '${sub}.txt' }] }, 400, 'invalid_name'],
  ])('refuses %s', async (_name, body, status, code) => {
    await expectProblem(await post(body), status as number, code as string);
  });

  it.each([
    ['a wildcard', 'al*ce'],
    ['a question mark', 'al?ce'],
    ['dot-dot', '..'],
    ['a slash', 'alice/../../bob'],
    ['a backslash', 'a\\b'],
    ['a template', '${tenant}'],
    ['a space', 'alice smith'],
  ])('refuses a subject claim holding %s, never widening the prefix', async (_name, sub) => {
    const token = await broker.token(sub, 'acme');
    await expectProblem(await post({ profile: 'uploads' }, { authorization: `Bearer ${token}` }), 400, 'invalid_name');
  });
});
