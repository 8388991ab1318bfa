/** One form, written down: its fields in posting order, its policy, its V4 signature; the callback fields only with one. */
import { describe, expect, it } from 'vitest';
import { signPostPolicyV4 } from './post-signature-v4.js';
import { signForm, type FormSigner } from './sign-form.js';

const signer: FormSigner = {
  url: 'https://bkt.oss-cn-hangzhou.aliyuncs.com',
  bucket: 'bkt',
  region: 'cn-hangzhou',
  token: { accessKeyId: 'STS.id', accessKeySecret: 'the-secret', securityToken: 'the-token' },
  date: '20300101T000000Z',
  expiresAt: Date.UTC(2030, 0, 1, 0, 5),
};
const file = { name: 'me.png', key: 'u/acme/alice/me.png', size: 48211, contentType: 'image/png' };

function policyOf(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.policy!, 'base64').toString('utf8'));
}

describe('signForm', () => {
  it('writes the fields in posting order, signed V4 by the token, pinning key, size and type', () => {
    const form = signForm(signer, file);
    expect({ name: form.name, url: form.url, key: form.key, maxSizeBytes: form.maxSizeBytes }).toEqual({
      name: 'me.png',
      url: signer.url,
      key: file.key,
      maxSizeBytes: 48211,
    });
    const credential = 'STS.id/20300101/cn-hangzhou/oss/aliyun_v4_request';
    expect(Object.entries(form.fields)).toEqual([
      ['key', file.key],
      ['policy', expect.any(String)],
      ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
      ['x-oss-credential', credential],
      ['x-oss-date', signer.date],
      ['x-oss-signature', signPostPolicyV4('the-secret', '20300101', 'cn-hangzhou', form.fields.policy!)],
      ['x-oss-security-token', 'the-token'],
      ['Content-Type', 'image/png'],
      ['success_action_status', '200'],
    ]);
    const policy = policyOf(form.fields);
    expect(policy.expiration).toBe('2030-01-01T00:05:00.000Z');
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: 'bkt' },
        { 'x-oss-credential': credential },
        ['eq', '$key', file.key],
        ['content-length-range', 0, 48211],
        ['eq', '$content-type', 'image/png'],
      ]),
    );
    expect(JSON.stringify(form)).not.toContain('the-secret');
  });

  it('with a callback, adds forbid-overwrite, the callback and the grant, as fields and as policy conditions', () => {
    const form = signForm(signer, { ...file, callback: { param: 'cGFyYW0=', grant: 'sealed.grant' } });
    expect(Object.entries(form.fields).slice(-3)).toEqual([
      ['x-oss-forbid-overwrite', 'true'],
      ['callback', 'cGFyYW0='],
      ['x:grant', 'sealed.grant'],
    ]);
    expect(policyOf(form.fields).conditions.slice(-3)).toEqual([
      ['eq', '$x-oss-forbid-overwrite', 'true'],
      ['eq', '$callback', 'cGFyYW0='],
      ['eq', '$x:grant', 'sealed.grant'],
    ]);
    expect(Object.keys(signForm(signer, file).fields)).not.toContain('callback');
  });

  it('with pins, posts each pinned field and pins it in the policy: same names, same values, same order', () => {
    const pins = { forbidOverwrite: true, serverSideEncryption: { algorithm: 'KMS' as const, kmsKeyId: 'key-abc' } };
    const form = signForm(signer, { ...file, pins });
    const pinned = [
      ['x-oss-forbid-overwrite', 'true'],
      ['x-oss-server-side-encryption', 'KMS'],
      ['x-oss-server-side-encryption-key-id', 'key-abc'],
    ];
    expect(Object.entries(form.fields).slice(-3)).toEqual(pinned);
    expect(policyOf(form.fields).conditions.slice(-3)).toEqual(pinned.map(([name, value]) => ['eq', `$${name}`, value]));
  });
});
