/**
 * Signing tokens never leave the broker. A forms-only profile (`paths: [form]`) hands out no STS token on any route,
 * and the token that signs its forms (read here from the form's own SecurityToken, which the STS emulator seals with
 * the token's secret and session policy inside) appears in no response body or header of any endpoint. On a
 * `[sts, form]` profile the token /v1/credentials returns and the token that signs the forms are different STS
 * tokens, even when their session policies are identical: the token cache keeps them apart by purpose.
 *
 * The whole broker (test/helpers/broker.ts): real Redis, the STS emulator over HTTPS through the official SDK, real
 * JWTs and partner keys; this test acts as OSS for the upload callback (test/uploads/helpers.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOssEmulator, type OssEmulator } from '../../dev/emulator/oss/index.js';
import { openToken } from '../../dev/emulator/sts/index.js';
import type { SealedTokenPayload } from '../../dev/emulator/sts/types.js';
import { BUCKET, PARTNER_ROLE, startTestBroker, UPLOAD_ROLE, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { callbackBody, ossCallbackSignature, startKeyServer, type KeyServer } from '../uploads/helpers.js';

const CALLBACK_URL = 'https://broker.test/v1/oss-callback';
const MEDIA = 'application/vnd.alibaba.sts+json';
const png = { name: 'me.png', size: 48211, contentType: 'image/png' };

let broker: TestBroker;
let keys: KeyServer;
let oss: OssEmulator;
let n = 0;

beforeAll(async () => {
  keys = await startKeyServer();
  // The bucket the callback reads the uploaded object from (the broker's GetObjectMeta, with a token of the role).
  const sealKey = randomBytes(32);
  oss = await startOssEmulator({ sealKey, buckets: [{ name: BUCKET }] });
  const readWrite = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: [`acs:oss:*:*:${BUCKET}/*`] }],
  };
  broker = await startTestBroker({
    sealKey,
    ossEndpoint: oss.endpointPathStyle,
    rolePolicies: { [UPLOAD_ROLE]: readWrite, [PARTNER_ROLE]: readWrite },
    configPatch: (c) => {
      // Forms only, with every limit a form can hold: a callback and a byte quota. Its tokens could do multipart.
      c.profiles.pics = {
        ...c.profiles.uploads,
        prefix: 'pics/${tenant}/${sub}/',
        operations: ['put', 'multipart'],
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 600, callback: { url: CALLBACK_URL } },
        quota: { bytesPerPrincipal: [{ limitBytes: 10_000_000, windowSeconds: 3600 }] },
      };
      // Both paths, `put` only: the credentials token and the signing token have the very same session policy.
      c.profiles.both = {
        ...c.profiles.uploads,
        prefix: 'both/${tenant}/${sub}/',
        operations: ['put'],
        paths: ['sts', 'form'],
        postPolicy: {},
      };
      // Forms only for the partner (a credentials URL may not name it: src/auth/credential-url.test.ts).
      c.profiles.drop = { ...c.profiles['partner-read'], prefix: 'drop/${tenant}/', operations: ['put'], paths: ['form'], postPolicy: {} };
      c.uploads = { grantKey: randomBytes(32).toString('base64'), callbackPublicKeyUrls: [keys.url] };
    },
  });
});
afterAll(async () => {
  await broker?.close();
  await keys?.close();
  await oss?.close();
});

async function user(): Promise<Record<string, string>> {
  n += 1;
  return { authorization: `Bearer ${await broker.token(`former${n}`, 'acme')}` };
}

const forms = (auth: Record<string, string>, profile: string, files = [png]) =>
  request(broker.app).post('/v1/post-policy').set(auth).send({ profile, files });
const credentials = (auth: Record<string, string>, body: Record<string, unknown>) =>
  request(broker.app).post('/v1/credentials').set(auth).send(body);

/** What the STS emulator sealed into a SecurityToken: the token's AccessKeyId, secret and session policy. */
function opened(securityToken: string): SealedTokenPayload {
  const payload = openToken(securityToken, broker.shared.sealKey);
  if (payload === null) throw new Error('not a SecurityToken of this STS emulator');
  return payload;
}

/** The token that signed a form, from the form itself. */
function signerOf(res: Response): SealedTokenPayload {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const fields = res.body.uploads[0].fields as Record<string, string>;
  const signer = opened(fields['x-oss-security-token']!);
  expect(fields['x-oss-credential']!.startsWith(`${signer.accessKeyId}/`)).toBe(true);
  return signer;
}

/** Everything a response shows its caller: status line aside, the headers and the body as sent. */
const shown = (res: Response) => `${JSON.stringify(res.headers)}\n${res.text}`;

const actionsOf = (policy: unknown) => (policy as { Statement: Array<{ Action: string[] }> }).Statement.flatMap((s) => s.Action);

describe('a forms-only profile', () => {
  it('never shows the token that signs its forms: no endpoint returns its secret, nor its SecurityToken outside a form', async () => {
    const auth = await user();
    const formRes = await forms(auth, 'pics');
    const signer = signerOf(formRes);
    const secret = signer.accessKeySecret;
    const securityToken = formRes.body.uploads[0].fields['x-oss-security-token'] as string;

    // The form carries the SecurityToken (OSS needs it to check the signature; it is useless without the secret)
    // exactly once, in its own field; the secret nowhere, not even inside the base64 policy.
    expect(shown(formRes)).not.toContain(secret);
    expect(shown(formRes).split(securityToken)).toHaveLength(2);
    const fields = formRes.body.uploads[0].fields as Record<string, string>;
    expect(Buffer.from(fields.policy!, 'base64').toString('utf8')).not.toContain(secret);

    const again = await forms(auth, 'pics', [{ name: 'again.png', size: 10, contentType: 'image/png' }]);
    expect(signerOf(again).accessKeyId).toBe(signer.accessKeyId); // the same signing token, from the cache
    expect(shown(again)).not.toContain(secret);

    const grant = fields['x:grant']!;
    const uploaded = randomBytes(40000);
    const etag = `"${createHash('md5').update(uploaded).digest('hex').toUpperCase()}"`;
    const key = formRes.body.uploads[0].key as string;
    oss.objects.put(BUCKET, {
      key,
      body: uploaded,
      size: 40000,
      etag,
      contentType: 'image/png',
      lastModified: Date.now(),
      type: 'Normal',
      headers: {},
    });
    const body = callbackBody({ bucket: BUCKET, object: formRes.body.uploads[0].key, etag: 'ABCDEF0123456789', size: 40000, grant });
    const others: Array<[string, Response]> = [
      ['POST /v1/credentials', await credentials(auth, { profile: 'pics' })],
      ['POST /v1/credentials with files', await credentials(auth, { profile: 'pics', files: [png] })],
      ['POST /v1/credentials dry run', await credentials(auth, { profile: 'pics', dryRun: true })],
      ['POST /v1/credentials dry run with files', await credentials(auth, { profile: 'pics', files: [png], dryRun: true })],
      ['GET /v1/credentials/pics', await request(broker.app).get('/v1/credentials/pics').set(auth)],
      ['GET ?format=alibaba', await request(broker.app).get('/v1/credentials/pics?format=alibaba').set(auth)],
      ['GET Accept: alibaba', await request(broker.app).get('/v1/credentials/pics').set(auth).set('accept', MEDIA)],
      ['GET /v1/usage', await request(broker.app).get('/v1/usage?profile=pics').set(auth)],
      [
        'POST /v1/oss-callback',
        await request(broker.app)
          .post('/v1/oss-callback')
          .set('content-type', 'application/x-www-form-urlencoded')
          .set('authorization', ossCallbackSignature(keys.privateKey, '/v1/oss-callback', body))
          .set('x-oss-pub-key-url', keys.header)
          .send(body),
      ],
    ];
    for (const [what, res] of others) {
      expect(shown(res), what).not.toContain(secret);
      expect(shown(res), what).not.toContain(securityToken);
      expect(shown(res), what).not.toContain(signer.accessKeyId);
    }
    expect(others.map(([what, res]) => [what, res.status])).toEqual([
      ['POST /v1/credentials', 403],
      ['POST /v1/credentials with files', 403],
      ['POST /v1/credentials dry run', 200],
      ['POST /v1/credentials dry run with files', 200],
      ['GET /v1/credentials/pics', 403],
      ['GET ?format=alibaba', 200], // the flat shape always answers 200; StatusCode says 403
      ['GET Accept: alibaba', 200],
      ['GET /v1/usage', 200],
      ['POST /v1/oss-callback', 200],
    ]);
    expect(broker.logText()).not.toContain(secret);
  });

  it('refuses POST and GET /v1/credentials with 403 forms_only (broker JSON and flat), and calls STS for none', async () => {
    const auth = await user();
    const before = broker.emulator.stats.assumeRoleCalls;

    const posted = await credentials(auth, { profile: 'pics' });
    expect({ status: posted.status, code: posted.body.code }).toEqual({ status: 403, code: 'forms_only' });
    expect(posted.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(posted.body.detail).toBe('profile "pics" offers signed form uploads only (paths: [form]); use POST /v1/post-policy');
    expectMatchesSpec('POST', '/v1/credentials', posted);

    const got = await request(broker.app).get('/v1/credentials/pics').set(auth);
    expect({ status: got.status, code: got.body.code }).toEqual({ status: 403, code: 'forms_only' });
    expectMatchesSpec('GET', '/v1/credentials/{profile}', got);

    for (const flat of [
      await request(broker.app).get('/v1/credentials/pics?format=alibaba').set(auth),
      await request(broker.app).get('/v1/credentials/pics').set(auth).set('accept', MEDIA),
      await request(broker.app).get('/v1/credentials/drop?format=alibaba').set('x-api-key', broker.partnerKey),
    ]) {
      expect(flat.status).toBe(200);
      expect(JSON.parse(flat.text)).toMatchObject({ StatusCode: '403', ErrorCode: 'forms_only' });
    }
    const partner = await request(broker.app).get('/v1/credentials/drop').set('x-api-key', broker.partnerKey);
    expect({ status: partner.status, code: partner.body.code }).toEqual({ status: 403, code: 'forms_only' });

    expect(broker.emulator.stats.assumeRoleCalls).toBe(before);
    expect(broker.audit.at(-1)).toMatchObject({ event: 'credentials.refused', code: 'forms_only', profile: 'drop' });
  });

  it('tells a client that may not use the profile "forbidden", before anything about its paths', async () => {
    const res = await credentials({ 'x-api-key': broker.partnerKey }, { profile: 'pics' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'forbidden' });
  });

  it('signs with a token scoped to PutObject on the caller’s prefix, which is what its dry run shows', async () => {
    const auth = await user();
    const signer = signerOf(await forms(auth, 'pics'));
    expect(actionsOf(signer.sessionPolicy)).toEqual(['oss:PutObject']); // the profile's tokens would add multipart's

    const dry = await credentials(auth, { profile: 'pics', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.policy).toEqual(signer.sessionPolicy);
    expect(dry.body.grant).toMatchObject({ operations: ['put'], prefix: `pics/acme/former${n}/` });
    expect(dry.body.grant.keys).toBeUndefined();
    // Declared files still meet the profile's rules in a dry run.
    const wrong = await credentials(auth, { profile: 'pics', files: [{ ...png, contentType: 'text/html' }], dryRun: true });
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: 'file_type_not_allowed' });
  });
});

describe('a [sts, form] profile', () => {
  it('signs its forms with a different STS token than /v1/credentials returns, though both have the same policy', async () => {
    const auth = await user();
    const creds = await credentials(auth, { profile: 'both' });
    expect(creds.status, JSON.stringify(creds.body)).toBe(200);
    const signer = signerOf(await forms(auth, 'both'));
    const handedOut = opened(creds.body.credentials.securityToken);

    expect(handedOut.sessionPolicy).toEqual(signer.sessionPolicy);
    expect(signer.accessKeyId).not.toBe(creds.body.credentials.accessKeyId);
    expect(signer.accessKeySecret).not.toBe(creds.body.credentials.accessKeySecret);

    // Asked again, both routes keep their own token: the signing token is never the cached answer to a client.
    const posted = await credentials(auth, { profile: 'both' });
    const got = await request(broker.app).get('/v1/credentials/both?format=alibaba').set(auth);
    expect(posted.body).toMatchObject({ cached: true, credentials: { accessKeyId: creds.body.credentials.accessKeyId } });
    expect(JSON.parse(got.text)).toMatchObject({ StatusCode: '200', AccessKeyId: creds.body.credentials.accessKeyId });
    expect(signerOf(await forms(auth, 'both')).accessKeyId).toBe(signer.accessKeyId);
    for (const res of [creds, posted, got]) expect(shown(res)).not.toContain(signer.accessKeySecret);
  });
});
