/** What one form's policy pins (docs/api.md, "POST /v1/post-policy"): nothing more, nothing less. */
import { describe, expect, it } from 'vitest';
import { buildCallbackParam, CALLBACK_BODY } from './callback-param.js';
import { formUrl } from './form-url.js';
import { buildPostPolicy } from './post-policy-document.js';

const input = {
  bucket: 'my-bucket',
  key: 'uploads/acme/alice/me.png',
  maxSizeBytes: 48211,
  contentType: 'image/png',
  credential: 'STS.x/20261122/cn-hangzhou/oss/aliyun_v4_request',
  date: '20261122T100003Z',
  securityToken: 'token',
  expiresAt: Date.UTC(2026, 10, 22, 10, 10, 3),
};

describe('buildPostPolicy', () => {
  it('pins bucket, exact key, [0, declared size], the declared type, status 200 and the V4 fields', () => {
    const { document, base64 } = buildPostPolicy(input);
    expect(document).toEqual({
      expiration: '2026-11-22T10:10:03.000Z',
      conditions: [
        { bucket: 'my-bucket' },
        { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
        { 'x-oss-credential': input.credential },
        { 'x-oss-date': input.date },
        { 'x-oss-security-token': 'token' },
        ['eq', '$key', 'uploads/acme/alice/me.png'],
        ['content-length-range', 0, 48211],
        ['eq', '$content-type', 'image/png'],
        ['eq', '$success_action_status', '200'],
      ],
    });
    expect(JSON.parse(Buffer.from(base64, 'base64').toString('utf8'))).toEqual(document);
  });

  it('with a callback, also pins no-overwrite, the callback and x:grant fields', () => {
    const { document } = buildPostPolicy({ ...input, callback: { param: 'Y2I=', grant: 'v2.a.b' } });
    expect(document.conditions.slice(-3)).toEqual([
      ['eq', '$x-oss-forbid-overwrite', 'true'],
      ['eq', '$callback', 'Y2I='],
      ['eq', '$x:grant', 'v2.a.b'],
    ]);
  });

  it('without a callback, does not forbid overwrites', () => {
    const { document } = buildPostPolicy(input);
    expect(JSON.stringify(document.conditions)).not.toContain('forbid-overwrite');
  });

  it('pins no-overwrite and KMS encryption with its key id when the profile asks, callback or not', () => {
    const pins = { forbidOverwrite: true, serverSideEncryption: { algorithm: 'KMS' as const, kmsKeyId: 'key-hzz0123' } };
    const { document } = buildPostPolicy({ ...input, pins });
    expect(document.conditions.slice(-3)).toEqual([
      ['eq', '$x-oss-forbid-overwrite', 'true'],
      ['eq', '$x-oss-server-side-encryption', 'KMS'],
      ['eq', '$x-oss-server-side-encryption-key-id', 'key-hzz0123'],
    ]);
    const withCallback = buildPostPolicy({ ...input, pins, callback: { param: 'Y2I=', grant: 'g' } }).document.conditions;
    expect(withCallback.slice(-5)).toEqual([...document.conditions.slice(-3), ['eq', '$callback', 'Y2I='], ['eq', '$x:grant', 'g']]);
  });

  it('a callback forbids overwrites even when the pins say otherwise; AES256 pins no key id', () => {
    const pins = { forbidOverwrite: false, serverSideEncryption: { algorithm: 'AES256' as const } };
    const { document } = buildPostPolicy({ ...input, pins, callback: { param: 'Y2I=', grant: 'g' } });
    expect(document.conditions).toContainEqual(['eq', '$x-oss-forbid-overwrite', 'true']);
    expect(document.conditions).toContainEqual(['eq', '$x-oss-server-side-encryption', 'AES256']);
    expect(JSON.stringify(document.conditions)).not.toContain('key-id');
    expect(JSON.stringify(buildPostPolicy({ ...input, pins }).document)).not.toContain('forbid-overwrite');
  });
});

describe('buildCallbackParam', () => {
  it('is base64 JSON naming the URL and the broker-set body (form-encoded, with x:grant)', () => {
    const decoded = JSON.parse(Buffer.from(buildCallbackParam('https://broker.example.com/v1/oss-callback'), 'base64').toString('utf8'));
    expect(decoded).toEqual({
      callbackUrl: 'https://broker.example.com/v1/oss-callback',
      callbackBody: CALLBACK_BODY,
      callbackBodyType: 'application/x-www-form-urlencoded',
    });
    for (const v of ['${bucket}', '${object}', '${etag}', '${size}', '${mimeType}', 'x:grant=${x:grant}'])
      expect(CALLBACK_BODY).toContain(v);
  });
});

describe('formUrl', () => {
  it.each([
    ['https://oss-cn-hangzhou.aliyuncs.com', 'my-bucket', 'https://my-bucket.oss-cn-hangzhou.aliyuncs.com'],
    ['https://oss-accelerate.aliyuncs.com', 'b1', 'https://b1.oss-accelerate.aliyuncs.com'],
    ['http://localhost:9200', 'local-bucket', 'http://localhost:9200/local-bucket'],
    ['http://127.0.0.1:9200', 'local-bucket', 'http://127.0.0.1:9200/local-bucket'],
    ['http://[::1]:9200', 'b1', 'http://[::1]:9200/b1'],
  ])('%s + %s → %s', (endpoint, bucket, url) => {
    expect(formUrl(endpoint, bucket)).toBe(url);
  });
});
