/**
 * A credential answer written from its parts made once (credentialResponseJson) is the text JSON.stringify writes
 * for the same answer, and a hit reuses the parts rather than building them again.
 */
import { describe, expect, it } from 'vitest';
import type { Grant } from '../rules/index.js';
import type { StsCredentials } from '../sts/types.js';
import { credentialResponseJson, toCredentialResponse } from './responses.js';

const grant: Grant = {
  profile: 'documents',
  roleArn: 'acs:ram::1:role/r',
  bucket: 'bkt',
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  prefix: 'docs/acme/alice "quoted" \\ back/',
  keys: ['docs/acme/alice/a.png'],
  operations: ['put', 'get'],
  durationSeconds: 900,
  roleSessionName: 'web-alice',
  sourceIdentity: 'osb:web:acme:alice',
  maxSizeBytes: 10_485_760,
  allowedExtensions: ['png'],
  allowedContentTypes: ['image/png'],
};

const credentials: StsCredentials = {
  accessKeyId: 'STS.fake-id',
  accessKeySecret: 'fake-secret-not-real',
  securityToken: 'fake-token',
  expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5),
};

describe('credential answers', () => {
  it('writes the same JSON as JSON.stringify, for a fresh and a stale answer', () => {
    for (const [cached, stale] of [
      [false, false],
      [true, false],
      [true, true],
    ] as const) {
      const answer = toCredentialResponse(
        grant,
        { credentials, cached, stale, refreshAfterMs: Date.UTC(2030, 0, 2, 3, 0, 0) },
        Date.UTC(2030, 0, 2, 2, 59, 30, 999),
      );
      expect(credentialResponseJson(answer)).toBe(JSON.stringify(answer));
      expect(JSON.parse(credentialResponseJson(answer))).toMatchObject({ serverTime: '2030-01-02T02:59:30Z', cached, stale });
    }
  });

  it('reuses the upload and credentials parts for the same grant and token, frozen', () => {
    const served = { credentials, cached: true, stale: false, refreshAfterMs: 0 };
    const first = toCredentialResponse(grant, served, 0);
    const second = toCredentialResponse(grant, served, 1000);
    expect(second.upload).toBe(first.upload);
    expect(second.credentials).toBe(first.credentials);
    expect(Object.isFrozen(first.upload) && Object.isFrozen(first.upload.keys) && Object.isFrozen(first.credentials)).toBe(true);
  });

  it('stringifies in full an answer whose parts it did not make', () => {
    const made = toCredentialResponse(grant, { credentials, cached: true, stale: false, refreshAfterMs: 0 }, 0);
    const copied = { ...made, upload: { ...made.upload, prefix: 'elsewhere/' } };
    expect(credentialResponseJson(copied)).toBe(JSON.stringify(copied));
  });
});
