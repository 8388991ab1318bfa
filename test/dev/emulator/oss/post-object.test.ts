/**
 * PostObject (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject) with forms signed by ali-oss itself: V1 (`calculatePostSignature`) and V4
 * (`signPostObjectPolicyV4`), an STS token in `x-oss-security-token`, and the policy conditions; the token's RAM
 * policy still applies (oss:PutObject on the key, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Field,
  type Form,
  inAnHour,
  multipart,
  png,
  post as postForm,
  v1Fields as signV1Form,
  v4Fields as signV4Form,
} from './forms.js';
import { BUCKET, emulatorForFile, raw, xmlCode, type Creds } from './helpers.js';
import { changeCharAt } from '../../../../dev/testing/tamper.js';

const { env, creds } = emulatorForFile();

const post = (form: Form, hostStyle = false) => postForm(env.oss, form, hostStyle);
const v1Fields = (policy: object, c: Creds = creds) => signV1Form(env.oss, c, policy);
const v4Fields = (conditions: (base: Record<string, string>) => object, date = new Date()) => signV4Form(env.oss, creds, conditions, date);

function basePolicy(extra: unknown[] = [], expiration = inAnHour()) {
  return {
    expiration,
    conditions: [
      { bucket: BUCKET },
      ['starts-with', '$key', 'users/alice/'],
      ['content-length-range', 1, 1024],
      ['in', '$content-type', ['image/png', 'image/jpeg']],
      ...extra,
    ],
  };
}

describe('PostObject V1', () => {
  it('uploads with success_action_status 201 and answers PostResponse', async () => {
    const form = multipart(
      [['key', 'users/alice/avatar.png'], ['Content-Type', 'image/png'], ['success_action_status', '201'], ...v1Fields(basePolicy())],
      png(),
    );
    const res = await post(form);
    expect(res.status).toBe(201);
    expect(res.body).toContain('<PostResponse>');
    expect(res.body).toContain('<Key>users/alice/avatar.png</Key>');
    expect(res.headers.etag).toMatch(/^"[0-9A-F]{32}"$/);
    expect(env.oss.objects.get(BUCKET, 'users/alice/avatar.png')?.contentType).toBe('image/png');
  });

  it('defaults to 204, takes field names in any case, expands ${filename}, works host-style', async () => {
    const fields = v1Fields(basePolicy()).map(([k, v]) => [k.toUpperCase(), v] as Field);
    const form = multipart([['KEY', 'users/alice/${filename}'], ['content-TYPE', 'image/png'], ...fields], png());
    const res = await post(form, true);
    expect(res.status).toBe(204);
    expect(env.oss.objects.get(BUCKET, 'users/alice/me.png')).toBeDefined();
  });

  it('an oversized file is EntityTooLarge; an empty one EntityTooSmall', async () => {
    const big = await post(
      multipart([['key', 'users/alice/big.png'], ['Content-Type', 'image/png'], ...v1Fields(basePolicy())], png(1025)),
    );
    expect(big.status).toBe(400);
    expect(xmlCode(big.body)).toBe('EntityTooLarge');
    const empty = await post(multipart([['key', 'users/alice/e.png'], ['Content-Type', 'image/png'], ...v1Fields(basePolicy())], png(0)));
    expect(xmlCode(empty.body)).toBe('EntityTooSmall');
    expect(env.oss.objects.get(BUCKET, 'users/alice/big.png')).toBeUndefined();
  });

  it('a key outside starts-with fails the condition with the documented message', async () => {
    const res = await post(multipart([['key', 'users/bob/x.png'], ['Content-Type', 'image/png'], ...v1Fields(basePolicy())], png()));
    expect(res.status).toBe(403);
    expect(xmlCode(res.body)).toBe('AccessDenied');
    expect(res.body).toContain('Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "users/alice/"]');
  });

  it('a content type outside `in` (and inside `not-in`, or unequal to `eq`) fails', async () => {
    const gif = await post(multipart([['key', 'users/alice/x.gif'], ['Content-Type', 'image/gif'], ...v1Fields(basePolicy())], png()));
    expect(gif.status).toBe(403);
    expect(gif.body).toContain('["in", "$content-type", ["image/png","image/jpeg"]]');
    const policy = basePolicy([
      ['not-in', '$cache-control', ['no-cache']],
      ['eq', '$success_action_status', '201'],
    ]);
    const noCache = await post(
      multipart(
        [
          ['key', 'users/alice/c.png'],
          ['Content-Type', 'image/png'],
          ['Cache-Control', 'no-cache'],
          ['success_action_status', '201'],
          ...v1Fields(policy),
        ],
        png(),
      ),
    );
    expect(noCache.body).toContain('["not-in", "$cache-control", ["no-cache"]]');
    const wrongStatus = await post(
      multipart(
        [
          ['key', 'users/alice/c.png'],
          ['Content-Type', 'image/png'],
          ['Cache-Control', 'max-age=60'],
          ['success_action_status', '200'],
          ...v1Fields(policy),
        ],
        png(),
      ),
    );
    expect(wrongStatus.body).toContain('["eq", "$success_action_status", "201"]');
    // With the file part's own Content-Type and no form field, the part's type is the one checked.
    const fromPart = await post(multipart([['key', 'users/alice/p.png'], ...v1Fields(basePolicy())], png()));
    expect(fromPart.status).toBe(204);
  });

  it('an expired policy is AccessDenied "Policy expired."', async () => {
    const expired = basePolicy([], new Date(Date.now() - 1000).toISOString());
    const res = await post(multipart([['key', 'users/alice/x.png'], ['Content-Type', 'image/png'], ...v1Fields(expired)], png()));
    expect(res.status).toBe(403);
    expect(res.body).toContain('Invalid according to Policy: Policy expired.');
  });

  it('a bad signature is SignatureDoesNotMatch', async () => {
    const fields = v1Fields(basePolicy()).map(([k, v]) => [k, k === 'Signature' ? changeCharAt(v, 0) : v] as Field);
    const res = await post(multipart([['key', 'users/alice/x.png'], ['Content-Type', 'image/png'], ...fields], png()));
    expect(res.status).toBe(403);
    expect(xmlCode(res.body)).toBe('SignatureDoesNotMatch');
  });

  it("the token's RAM policy still applies when the form policy is wider", async () => {
    const wide = { expiration: inAnHour(), conditions: [['starts-with', '$key', 'users/']] };
    const res = await post(multipart([['key', 'users/bob/x.png'], ...v1Fields(wide)], png()));
    expect(res.status).toBe(403);
    expect(res.body).toContain("Access denied by authorizer's policy.");
    expect(env.oss.objects.get(BUCKET, 'users/bob/x.png')).toBeUndefined();
  });

  it('token problems use the header-auth codes', async () => {
    const noToken = v1Fields(basePolicy()).filter(([k]) => k !== 'x-oss-security-token');
    const res = await post(multipart([['key', 'users/alice/x.png'], ['Content-Type', 'image/png'], ...noToken], png()));
    expect(xmlCode(res.body)).toBe('InvalidAccessKeyId');
    const tampered = v1Fields(basePolicy()).map(([k, v]) => [k, k === 'x-oss-security-token' ? changeCharAt(v, 20) : v] as Field);
    const res2 = await post(multipart([['key', 'users/alice/x.png'], ['Content-Type', 'image/png'], ...tampered], png()));
    expect(xmlCode(res2.body)).toBe('InvalidSecurityToken');
  });
});

describe('PostObject V4', () => {
  const conditions = (base: Record<string, string>, extra: unknown[] = []) => ({
    expiration: inAnHour(),
    conditions: [
      { bucket: BUCKET },
      ...Object.entries(base).map(([k, v]) => ({ [k]: v })),
      ['content-length-range', 1, 1024],
      ['eq', '$success_action_status', '200'],
      ['starts-with', '$key', 'users/alice/'],
      ['in', '$content-type', ['image/png', 'text/plain']],
      ...extra,
    ],
  });

  it('uploads with success_action_status 200', async () => {
    const form = multipart(
      [['key', 'users/alice/v4.png'], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...v4Fields((b) => conditions(b))],
      png(),
    );
    const res = await post(form);
    expect(res.status).toBe(200);
    expect(env.oss.objects.get(BUCKET, 'users/alice/v4.png')).toBeDefined();
  });

  it('refuses an oversized file, a starts-with violation, a wrong type, a bad signature and a stale date', async () => {
    const send = (key: string, type: string, size: number, fields = v4Fields((b) => conditions(b))) =>
      post(multipart([['key', key], ['Content-Type', type], ['success_action_status', '200'], ...fields], png(size)));
    expect(xmlCode((await send('users/alice/a.png', 'image/png', 2048)).body)).toBe('EntityTooLarge');
    expect((await send('users/bob/a.png', 'image/png', 10)).body).toContain('["starts-with", "$key", "users/alice/"]');
    expect((await send('users/alice/a.gif', 'image/gif', 10)).body).toContain('Policy Condition failed: ["in", "$content-type"');
    const badSig = v4Fields((b) => conditions(b)).map(([k, v]) => [k, k === 'x-oss-signature' ? '0'.repeat(64) : v] as Field);
    expect(xmlCode((await send('users/alice/a.png', 'image/png', 10, badSig)).body)).toBe('SignatureDoesNotMatch');
    const stale = v4Fields((b) => conditions(b), new Date(Date.now() - 8 * 24 * 3600_000));
    expect((await send('users/alice/a.png', 'image/png', 10, stale)).status).toBe(403);
  });

  it('an expired V4 policy is AccessDenied', async () => {
    const fields = v4Fields((b) => ({ ...conditions(b), expiration: new Date(Date.now() - 60_000).toISOString() }));
    const res = await post(
      multipart([['key', 'users/alice/x.png'], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...fields], png()),
    );
    expect(res.body).toContain('Policy expired.');
  });
});

describe('malformed PostObject requests', () => {
  it('not multipart → RequestIsNotMultiPartContent', async () => {
    const res = await raw(env.oss, { method: 'POST', path: `/${BUCKET}`, headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(xmlCode(res.body)).toBe('RequestIsNotMultiPartContent');
  });

  it('no file, file not last, missing key, incomplete V1 trio, anonymous', async () => {
    const fields = v1Fields(basePolicy());
    const cases: Array<[Form, string]> = [
      [multipart([['key', 'users/alice/x.png'], ...fields], null), 'IncorrectNumberOfFilesInPOSTRequest'],
      // A field after the file: MalformedPOSTRequest (https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000104).
      [multipart([['key', 'users/alice/x.png'], ...fields], png(), true), 'MalformedPOSTRequest'],
      [multipart([...fields], png()), 'InvalidArgument'],
      [multipart([['key', 'users/alice/x.png'], ...fields.filter(([k]) => k !== 'Signature')], png()), 'InvalidArgument'],
      [multipart([['key', 'users/alice/x.png']], png()), 'AccessDenied'],
      [
        multipart([['key', ''], ...v1Fields({ expiration: inAnHour(), conditions: [['content-length-range', 0, 100]] })], png()),
        'InvalidObjectName',
      ],
    ];
    for (const [form, code] of cases) expect(xmlCode((await post(form)).body)).toBe(code);
    const broken = await raw(env.oss, {
      method: 'POST',
      path: `/${BUCKET}`,
      headers: { 'content-type': 'multipart/form-data; boundary=abc' },
      body: '--abc\r\nnot a part',
    });
    expect(xmlCode(broken.body)).toBe('MalformedPOSTRequest');
  });

  it('a broken policy document is InvalidPolicyDocument', async () => {
    for (const policy of [
      { conditions: [] },
      { expiration: inAnHour() },
      { expiration: inAnHour(), conditions: [{ a: 'b', c: 'd' }] },
      { expiration: inAnHour(), conditions: [['matches', '$key', 'x']] },
      { expiration: inAnHour(), conditions: [123] },
      // https://help.aliyun.com/en/oss/user-guide/0006-00000215 and -00000206
      { expiration: inAnHour(), conditions: [] },
      { expiration: inAnHour(), conditions: [['content-length-range', 0, 100]], test: 'x' },
    ]) {
      const res = await post(multipart([['key', 'users/alice/x.png'], ...v1Fields(policy)], png()));
      expect(res.status, JSON.stringify(policy)).toBe(400);
      expect(xmlCode(res.body)).toBe('InvalidPolicyDocument');
    }
  });

  it('a browser-style FormData body from fetch works', async () => {
    const form = new FormData();
    form.append('key', 'users/alice/fetch.png');
    form.append('Content-Type', 'image/png');
    for (const [k, v] of v1Fields(basePolicy())) form.append(k, v);
    form.append('file', new Blob([randomBytes(20)], { type: 'image/png' }), 'fetch.png');
    const res = await fetch(`${env.oss.url}/${BUCKET}`, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    expect(env.oss.objects.get(BUCKET, 'users/alice/fetch.png')?.body.length).toBe(20);
  });
});
