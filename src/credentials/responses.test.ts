import { describe, expect, it } from 'vitest';
import type { Grant } from '../rules/index.js';
import { toCredentialResponse } from './responses.js';

const grant: Grant = {
  profile: 'docs',
  roleArn: 'acs:ram::1:role/r',
  bucket: 'bkt',
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  prefix: 'docs/acme/alice/',
  keys: ['docs/acme/alice/a.pdf'],
  operations: ['put', 'multipart'],
  areas: [{ prefix: 'teams/acme/t/', operations: ['get'] }],
  durationSeconds: 900,
  roleSessionName: 'alice@acme',
  sourceIdentity: 'alice@acme@web',
  maxSizeBytes: 10,
  allowedExtensions: ['pdf'],
  allowedContentTypes: ['application/pdf'],
};
const EXPIRES = Date.UTC(2030, 0, 1, 10, 15, 0);
const credentials = { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't', expiresAt: EXPIRES };

describe('the credential answer', () => {
  it('is written field by field, in order, with whole-second times', () => {
    const now = EXPIRES - 600_000 + 250;
    const answer = toCredentialResponse(grant, { credentials, cached: true, stale: false, refreshAfterMs: EXPIRES - 300_000 }, now);
    expect(JSON.stringify(answer)).toBe(
      JSON.stringify({
        credentials: { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't', expiration: '2030-01-01T10:15:00Z' },
        upload: {
          bucket: 'bkt',
          region: 'cn-hangzhou',
          endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
          prefix: 'docs/acme/alice/',
          operations: ['put', 'multipart'],
          keys: ['docs/acme/alice/a.pdf'],
          maxSizeBytes: 10,
          allowedContentTypes: ['application/pdf'],
          allowedExtensions: ['pdf'],
          areas: [{ prefix: 'teams/acme/t/', operations: ['get'] }],
        },
        serverTime: '2030-01-01T10:05:00Z',
        refreshAfter: '2030-01-01T10:10:00Z',
        cached: true,
        stale: false,
      }),
    );
  });

  it('shares one frozen upload part per grant, and writes each answer its own refreshAfter', () => {
    const first = toCredentialResponse(
      grant,
      { credentials, cached: true, stale: false, refreshAfterMs: EXPIRES - 300_000 },
      EXPIRES - 600_000,
    );
    const stale = toCredentialResponse(
      grant,
      { credentials, cached: true, stale: true, refreshAfterMs: EXPIRES - 590_000 },
      EXPIRES - 595_000,
    );
    expect(stale.upload).toBe(first.upload);
    expect(
      Object.isFrozen(first.upload) && Object.isFrozen(first.upload.operations) && Object.isFrozen(first.upload.areas![0]!.operations),
    ).toBe(true);
    expect(first.upload.operations).not.toBe(grant.operations);
    expect([first.refreshAfter, stale.refreshAfter]).toEqual(['2030-01-01T10:10:00Z', '2030-01-01T10:05:10Z']);
    expect(stale.credentials.expiration).toBe('2030-01-01T10:15:00Z');
  });

  it("holds a frozen grant's lists as they are, and copies the others", () => {
    const frozen = { ...grant, operations: Object.freeze(['put']) as Grant['operations'], keys: ['k'] };
    const answer = toCredentialResponse(frozen, { credentials, cached: true, stale: false, refreshAfterMs: EXPIRES }, EXPIRES);
    expect(answer.upload.operations).toBe(frozen.operations);
    expect(answer.upload.keys).not.toBe(frozen.keys);
    expect(Object.isFrozen(answer.upload.keys)).toBe(true);
  });
});
