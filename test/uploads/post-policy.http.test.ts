/**
 * POST /v1/post-policy and GET /v1/usage over HTTP, the whole app in-process (real Redis, STS emulator through the
 * official SDK): the contract's fields, every refusal with its problem code, no-store, and openapi.yaml checked
 * against the real responses.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { createGrantSealer } from '../../src/uploads/upload-grant.js';
import { signPostPolicyV4 } from '../../src/uploads/post-signature-v4.js';
import { BYTES_PER_HOUR, CALLBACK_URL, startUploadsBroker, type UploadsBroker } from './broker-setup.js';
import { openToken } from '../../dev/emulator/sts/index.js';
import { rawClient } from '../store/helpers.js';

let env: UploadsBroker;
beforeAll(async () => {
  env = await startUploadsBroker({ requestsPerMinute: 5 });
});
afterAll(async () => env?.close());

const png = { name: 'me.png', size: 48211, contentType: 'image/png' };

function forms(body: unknown, auth: Record<string, string>) {
  return request(env.broker.app)
    .post('/v1/post-policy')
    .set(auth)
    .send(body as object);
}

function decodePolicy(base64: string): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
}

describe('POST /v1/post-policy', () => {
  it('answers one signed V4 form per file, pinning bucket, key, size, type and callback', async () => {
    const auth = await env.bearer('alice');
    const res = await forms({ profile: 'uploads', files: [png, { name: 'b.jpg', size: 10, contentType: 'Image/JPEG' }] }, auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectMatchesSpec('POST', '/v1/post-policy', res);
    expect(res.headers['cache-control']).toBe('no-store');
    const [first, second] = res.body.uploads;
    expect(first).toMatchObject({
      name: 'me.png',
      url: `${env.oss.endpointPathStyle}/${BUCKET}`,
      key: 'uploads/acme/alice/me.png',
      maxSizeBytes: 48211,
    });
    // The client posts the fields in this order and the file last (the documented order).
    expect(Object.keys(first.fields)).toEqual([
      'key',
      'policy',
      'x-oss-signature-version',
      'x-oss-credential',
      'x-oss-date',
      'x-oss-signature',
      'x-oss-security-token',
      'Content-Type',
      'success_action_status',
      'x-oss-forbid-overwrite',
      'callback',
      'x:grant',
    ]);
    expect(first.fields['x-oss-forbid-overwrite']).toBe('true');
    expect(second.fields['Content-Type']).toBe('image/jpeg');
    const policy = decodePolicy(first.fields.policy);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: BUCKET },
        ['eq', '$key', 'uploads/acme/alice/me.png'],
        ['content-length-range', 0, 48211],
        ['eq', '$content-type', 'image/png'],
        ['eq', '$x-oss-forbid-overwrite', 'true'],
        ['eq', '$callback', first.fields.callback],
        ['eq', '$x:grant', first.fields['x:grant']],
      ]),
    );
    expect(JSON.parse(Buffer.from(first.fields.callback, 'base64').toString()).callbackUrl).toBe(CALLBACK_URL);
    expect(Date.parse(policy.expiration)).toBe(Date.parse(res.body.expiration));
    const grant = createGrantSealer(env.grantKey).open(first.fields['x:grant']);
    expect(grant).toMatchObject({
      principal: { kind: 'user', clientId: 'web', tenant: 'acme', subject: 'alice' },
      profile: 'uploads',
      bucket: BUCKET,
      key: 'uploads/acme/alice/me.png',
      size: 48211,
      expiresAt: Date.parse(res.body.expiration),
    });
    // Signed at the server time the answer reports (which has whole seconds).
    expect(grant!.issuedAt - Date.parse(res.body.serverTime)).toBeGreaterThanOrEqual(0);
    expect(grant!.issuedAt - Date.parse(res.body.serverTime)).toBeLessThan(1000);
  });

  it('is signed with a cached form-signing token of its own, whose secret never leaves the broker', async () => {
    const auth = await env.bearer('bruno');
    const before = env.broker.emulator.stats.assumeRoleCalls;
    const a = await forms({ profile: 'uploads', files: [png] }, auth);
    const b = await forms({ profile: 'uploads', files: [{ ...png, name: 'other.png' }] }, auth);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(env.broker.emulator.stats.assumeRoleCalls - before).toBe(1);
    // The signing token, as the STS emulator sealed it into the form's SecurityToken.
    const fields = a.body.uploads[0].fields;
    const signer = openToken(fields['x-oss-security-token'], env.broker.shared.sealKey)!;
    expect(fields['x-oss-credential']).toMatch(
      new RegExp(`^${signer.accessKeyId.replace('.', '\\.')}/\\d{8}/cn-hangzhou/oss/aliyun_v4_request$`),
    );
    expect(signPostPolicyV4(signer.accessKeySecret, fields['x-oss-date'].slice(0, 8), 'cn-hangzhou', fields.policy)).toBe(
      fields['x-oss-signature'],
    );
    expect(a.text).not.toContain(signer.accessKeySecret);
    expect(env.broker.logText()).not.toContain(signer.accessKeySecret);
    // /v1/credentials never answers with it: a token of its own, from another AssumeRole.
    const creds = await request(env.broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    expect(creds.body.cached).toBe(false);
    expect(creds.body.credentials.accessKeyId).not.toBe(signer.accessKeyId);
    expect(creds.text).not.toContain(signer.accessKeySecret);
    // The form never outlives the token that signs it.
    expect(Date.parse(a.body.expiration)).toBeLessThanOrEqual(signer.expiresAt);
    expect(env.broker.audit.some((e) => e.event === 'post_policy.issued' && e.accessKeyId === signer.accessKeyId)).toBe(true);
  });

  it.each([
    ['a profile without postPolicy', { profile: 'exact', files: [png] }, 400, 'post_policy_not_enabled'],
    ['an unknown profile', { profile: 'nope', files: [png] }, 404, 'unknown_profile'],
    ['no size', { profile: 'uploads', files: [{ name: 'a.png', contentType: 'image/png' }] }, 400, 'invalid_request'],
    ['no content type', { profile: 'uploads', files: [{ name: 'a.png', size: 1 }] }, 400, 'invalid_request'],
    ['no files', { profile: 'uploads', files: [] }, 400, 'invalid_request'],
    ['an unknown field', { profile: 'uploads', files: [png], bucket: 'x' }, 400, 'invalid_request'],
    [
      'a type the profile does not allow',
      { profile: 'uploads', files: [{ ...png, contentType: 'text/html' }] },
      400,
      'file_type_not_allowed',
    ],
    [
      'an extension the profile does not allow',
      { profile: 'uploads', files: [{ ...png, name: 'page.html' }] },
      400,
      'file_type_not_allowed',
    ],
    ['a size over the limit', { profile: 'uploads', files: [{ ...png, size: 1024 * 1024 + 1 }] }, 400, 'file_too_large'],
    [
      'too many files',
      { profile: 'uploads', files: ['a', 'b', 'c', 'd'].map((n) => ({ ...png, name: `${n}.png` })) },
      400,
      'too_many_files',
    ],
    ['a name that is not a key segment', { profile: 'uploads', files: [{ ...png, name: '../x.png' }] }, 400, 'invalid_name'],
  ])('refuses %s', async (_what, body, status, code) => {
    const res = await forms(body, await env.bearer('refused'));
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(res.headers['cache-control']).toBe('no-store');
    expectMatchesSpec('POST', '/v1/post-policy', res);
  });

  it('refuses callers who are not authenticated, or whose client may not use the profile', async () => {
    const anonymous = await forms({ profile: 'uploads', files: [png] }, {});
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    const partner = await forms({ profile: 'uploads', files: [png] }, { 'x-api-key': env.broker.partnerKey });
    expect([partner.status, partner.body.code]).toEqual([403, 'forbidden']);
    expectMatchesSpec('POST', '/v1/post-policy', partner);
    expect(env.broker.audit.filter((e) => e.event === 'post_policy.refused').map((e) => e.code)).toEqual(
      expect.arrayContaining(['unauthenticated', 'forbidden']),
    );
  });

  it('takes JSON only and POST only', async () => {
    const text = await request(env.broker.app)
      .post('/v1/post-policy')
      .set(await env.bearer('t'))
      .set('content-type', 'text/plain')
      .send('x');
    expect(text.body.code).toBe('unsupported_media_type');
    const get = await request(env.broker.app).get('/v1/post-policy');
    expect([get.status, get.body.code]).toEqual([405, 'method_not_allowed']);
  });

  it('reserves declared bytes and refuses what does not fit with 429 quota_exceeded and Retry-After', async () => {
    const auth = await env.bearer('carla');
    const big = { ...png, size: BYTES_PER_HOUR - 1000 };
    expect((await forms({ profile: 'uploads', files: [big] }, auth)).status).toBe(200);
    const refused = await forms({ profile: 'uploads', files: [{ ...png, size: 1001 }] }, auth);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'quota_exceeded', quota: 'bytes', limitBytes: BYTES_PER_HOUR, windowSeconds: 3600 });
    // Only the reservation is in the way, and it lapses when the form (600 s) and the callback grace (1 h) are over.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expectMatchesSpec('POST', '/v1/post-policy', refused);
    expect((await forms({ profile: 'uploads', files: [{ ...png, size: 1000 }] }, auth)).status).toBe(200);
    const usage = await request(env.broker.app).get('/v1/usage?profile=uploads').set(auth);
    expect(usage.body.bytes).toEqual([
      expect.objectContaining({ windowSeconds: 3600, limitBytes: BYTES_PER_HOUR, usedBytes: 0, reservedBytes: BYTES_PER_HOUR }),
    ]);
  });

  it('hands out no form whose signing AccessKeyId cannot be recorded, and gives the reservation back', async () => {
    const auth = await env.bearer('rita');
    // A real Redis failure of the record alone: the principal's record key holds a string, so its ZADD fails.
    const identity = JSON.stringify(['user', 'acme', 'rita']);
    const recordKey = `${env.broker.shared.keyPrefix}{principal:${createHash('sha256').update(identity).digest('hex')}}:tokens`;
    const raw = rawClient();
    try {
      await raw.set(recordKey, 'not a sorted set');
      const refused = await forms({ profile: 'uploads', files: [png] }, auth);
      expect([refused.status, refused.body.code, refused.body.uploads]).toEqual([503, 'store_unavailable', undefined]);
      const usage = await request(env.broker.app).get('/v1/usage?profile=uploads').set(auth);
      expect(usage.body.bytes[0]).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
      await raw.del(recordKey);
      expect((await forms({ profile: 'uploads', files: [png] }, auth)).status).toBe(200);
    } finally {
      await raw.del(recordKey);
      raw.disconnect();
    }
  });

  it('a request larger than the whole window is refused without a Retry-After (waiting would not help)', async () => {
    const res = await forms({ profile: 'uploads', files: [{ ...png, size: 1024 * 1024 }] }, await env.bearer('huge'));
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('quota_exceeded');
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it('counts against the credential quota like /v1/credentials', async () => {
    const auth = await env.bearer('quinn');
    for (let i = 0; i < 3; i++) expect((await forms({ profile: 'uploads', files: [{ ...png, size: 1 }] }, auth)).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await request(env.broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' })).status).toBe(200);
    const refused = await forms({ profile: 'uploads', files: [{ ...png, size: 1 }] }, auth);
    expect([refused.status, refused.body.code]).toEqual([429, 'quota_exceeded']);
    expect(refused.body.quota).toBeUndefined();
    const usage = await request(env.broker.app).get('/v1/usage?profile=uploads').set(auth);
    expect(usage.body.requests).toEqual([{ windowSeconds: 60, limit: 5, used: 5 }]);
    // Refused requests cost nothing: still 3 × 1 byte reserved.
    expect(usage.body.bytes[0]).toMatchObject({ usedBytes: 0, reservedBytes: 3 });
  });

  it('without a callback, charges the declared sizes at once and sends no callback fields', async () => {
    const auth = await env.bearer('fiona');
    const res = await forms({ profile: 'forms', files: [png] }, auth);
    expect(res.status).toBe(200);
    expect(res.body.uploads[0].key).toBe('forms/acme/fiona/me.png');
    expect(res.body.uploads[0].fields.callback).toBeUndefined();
    expect(res.body.uploads[0].fields['x:grant']).toBeUndefined();
    const usage = await request(env.broker.app).get('/v1/usage?profile=forms').set(auth);
    expect(usage.body.bytes[0]).toMatchObject({ usedBytes: 48211, reservedBytes: 0 });
  });

  it('/v1/credentials counts declared sizes too (the STS path: declared only)', async () => {
    const auth = await env.bearer('stan');
    const res = await request(env.broker.app)
      .post('/v1/credentials')
      .set(auth)
      .send({ profile: 'uploads', files: [png, { name: 'x.jpg', size: 100 }] });
    expect(res.status).toBe(200);
    const usage = await request(env.broker.app).get('/v1/usage?profile=uploads').set(auth);
    expect(usage.body.bytes[0]).toMatchObject({ usedBytes: 48311, reservedBytes: 0 });
    const over = await request(env.broker.app)
      .post('/v1/credentials')
      .set(auth)
      .send({ profile: 'uploads', files: [{ ...png, size: BYTES_PER_HOUR - 48311 + 1 }] });
    expect([over.status, over.body.code]).toEqual([429, 'quota_exceeded']);
    expectMatchesSpec('POST', '/v1/credentials', over);
  });
});

describe('GET /v1/usage', () => {
  it("shows the caller's own counters per window, and nobody else's", async () => {
    const alice = await env.bearer('uma');
    await forms({ profile: 'uploads', files: [png] }, alice);
    const res = await request(env.broker.app).get('/v1/usage?profile=uploads').set(alice);
    expect(res.status).toBe(200);
    expectMatchesSpec('GET', '/v1/usage', res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      profile: 'uploads',
      requests: [{ windowSeconds: 60, limit: 5, used: 1 }],
      bytes: [{ windowSeconds: 3600, limitBytes: BYTES_PER_HOUR, usedBytes: 0, reservedBytes: 48211 }],
    });
    expect(Date.parse(res.body.bytes[0].resetsAt)).toBeGreaterThan(Date.now());
    const other = await request(env.broker.app)
      .get('/v1/usage?profile=uploads')
      .set(await env.bearer('uma', 'globex'));
    expect(other.body.bytes[0]).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    expect(other.body.bytes[0].resetsAt).toBeUndefined();
    expectMatchesSpec('GET', '/v1/usage', other);
  });

  it('answers a profile without quotas with empty lists', async () => {
    const res = await request(env.broker.app)
      .get('/v1/usage?profile=exact')
      .set(await env.bearer('uma'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ profile: 'exact', requests: [], bytes: [] });
  });

  it.each([
    ['no profile', '/v1/usage', 400, 'invalid_request'],
    ['two profiles', '/v1/usage?profile=uploads&profile=exact', 400, 'invalid_request'],
    ['another parameter', '/v1/usage?profile=uploads&user=bob', 400, 'invalid_request'],
    ['an unknown profile', '/v1/usage?profile=nope', 404, 'unknown_profile'],
  ])('refuses %s', async (_what, url, status, code) => {
    const res = await request(env.broker.app)
      .get(url)
      .set(await env.bearer('uma'));
    expect([res.status, res.body.code]).toEqual([status, code]);
    expectMatchesSpec('GET', '/v1/usage', res);
  });

  it('needs authentication and a client allowed on the profile', async () => {
    const anonymous = await request(env.broker.app).get('/v1/usage?profile=uploads');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    const partner = await request(env.broker.app).get('/v1/usage?profile=uploads').set('x-api-key', env.broker.partnerKey);
    expect([partner.status, partner.body.code]).toEqual([403, 'forbidden']);
    expectMatchesSpec('GET', '/v1/usage', partner);
  });
});
