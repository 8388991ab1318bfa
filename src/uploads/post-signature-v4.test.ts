/**
 * The form signer against the official client: ali-oss's own signPostObjectPolicyV4 (the V4 PostObject signature
 * as Alibaba's SDK computes it) must give the same hex signature for the same policy, secret, day and region.
 */
import { randomBytes } from 'node:crypto';
import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { buildPostPolicy } from './post-policy-document.js';
import { isoBasic, signPostPolicyV4, v4Credential } from './post-signature-v4.js';

function aliOssSignature(secret: string, region: string, policyJson: string, date: Date): string {
  const client = new OSS({ accessKeyId: 'STS.test', accessKeySecret: secret, region: `oss-${region}`, bucket: 'my-bucket' });
  return (client as unknown as { signPostObjectPolicyV4(p: string, d: Date): string }).signPostObjectPolicyV4(policyJson, date);
}

describe('PostObject signature V4', () => {
  it('formats x-oss-date and x-oss-credential as the V4 document shows', () => {
    const at = Date.UTC(2026, 10, 22, 10, 0, 3, 999);
    expect(isoBasic(at)).toBe('20261122T100003Z');
    expect(v4Credential('STS.abc', '20261122', 'cn-hangzhou')).toBe('STS.abc/20261122/cn-hangzhou/oss/aliyun_v4_request');
  });

  it.each([
    ['cn-hangzhou', Date.UTC(2026, 10, 22, 10, 0, 3)],
    ['ap-southeast-1', Date.UTC(2025, 0, 1, 23, 59, 59)],
    ['us-west-1', Date.UTC(2030, 5, 15, 0, 0, 0)],
  ])('matches ali-oss signPostObjectPolicyV4 (%s)', (region, at) => {
    const secret = randomBytes(24).toString('base64');
    const date = isoBasic(at);
    const { document, base64 } = buildPostPolicy({
      bucket: 'my-bucket',
      key: 'uploads/acme/alice/me.png',
      maxSizeBytes: 48211,
      contentType: 'image/png',
      credential: v4Credential('STS.test', date.slice(0, 8), region),
      date,
      securityToken: randomBytes(64).toString('base64'),
      expiresAt: at + 600_000,
    });
    // ali-oss base64-encodes the JSON text itself; the same text must give the same policy and signature.
    expect(Buffer.from(base64, 'base64').toString('utf8')).toBe(JSON.stringify(document));
    expect(signPostPolicyV4(secret, date.slice(0, 8), region, base64)).toBe(
      aliOssSignature(secret, region, JSON.stringify(document), new Date(at)),
    );
  });

  it('depends on every input: secret, day, region and policy', () => {
    const base = signPostPolicyV4('secret', '20261122', 'cn-hangzhou', 'cG9saWN5');
    expect(signPostPolicyV4('secreT', '20261122', 'cn-hangzhou', 'cG9saWN5')).not.toBe(base);
    expect(signPostPolicyV4('secret', '20261123', 'cn-hangzhou', 'cG9saWN5')).not.toBe(base);
    expect(signPostPolicyV4('secret', '20261122', 'cn-shanghai', 'cG9saWN5')).not.toBe(base);
    expect(signPostPolicyV4('secret', '20261122', 'cn-hangzhou', 'cG9saWN6')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
