/**
 * The callback's evidence: what the bucket answers, parsed strictly, with a reader credential that can read only
 * the grant key's folder and is cached like any token. The bucket itself is a stub here (the end-to-end tests in
 * test/e2e/upload-callback.test.ts read the OSS emulator through ali-oss).
 */
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { MemoryStore } from '../store/index.js';
import { createTokenCache } from '../cache/index.js';
import type { AssumeRoleInput, StsClient } from '../sts/types.js';
import {
  createObjectMetaReader,
  READER_SESSION_NAME,
  readerPolicy,
  type FetchObjectMeta,
  type ObjectTarget,
} from './object-meta-reader.js';

const target: ObjectTarget = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  durationSeconds: 900,
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  bucket: 'my-bucket',
  key: 'uploads/acme/alice/3f2a.png',
};

const HEADERS = { 'content-length': '48211', etag: '"5B3C1A2E053D763E1B002CC607C5A0FE"', 'last-modified': 'Sun, 22 Nov 2026 10:00:05 GMT' };

function setup(answers: Array<Awaited<ReturnType<FetchObjectMeta>> | Error>) {
  const calls: AssumeRoleInput[] = [];
  const sts: StsClient = {
    async assumeRole(input) {
      calls.push(input);
      return { accessKeyId: 'STS.reader', accessKeySecret: 'fake-secret', securityToken: 'fake-token', expiresAt: Date.now() + 900_000 };
    },
  };
  const tokenCache = createTokenCache({
    store: new MemoryStore(),
    encryptionKey: Buffer.alloc(32, 7),
    clock: { now: () => Date.now() },
    minRemainingMs: 300_000,
    l1MaxEntries: 10,
    lockTtlMs: 1000,
  });
  let fetches = 0;
  const fetchMeta: FetchObjectMeta = async () => {
    const answer = answers[Math.min(fetches, answers.length - 1)]!;
    fetches += 1;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const reader = createObjectMetaReader({ sts, tokenCache, timeoutMs: 100, attempts: 2, fetchMeta });
  return { reader, calls, fetches: () => fetches };
}

describe('readerPolicy', () => {
  it('allows oss:GetObject on the key’s own folder, nothing else', () => {
    expect(readerPolicy('my-bucket', 'uploads/acme/alice/3f2a.png')).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:my-bucket/uploads/acme/alice/*'] }],
    });
  });

  it('a key with no folder: exactly that object', () => {
    expect(readerPolicy('b', 'top.png').Statement[0]!.Resource).toEqual(['acs:oss:*:*:b/top.png']);
  });
});

describe('createObjectMetaReader', () => {
  it('returns the size, unquoted ETag and time the bucket reports', async () => {
    const { reader, calls } = setup([{ status: 200, headers: HEADERS }]);
    expect(await reader.read(target)).toEqual({
      size: 48211,
      etag: '5B3C1A2E053D763E1B002CC607C5A0FE',
      lastModified: Date.UTC(2026, 10, 22, 10, 0, 5),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ roleArn: target.roleArn, roleSessionName: READER_SESSION_NAME, durationSeconds: 900 });
    expect(JSON.parse(calls[0]!.policy)).toEqual(readerPolicy(target.bucket, target.key));
  });

  it('reuses the reader token for the same folder (one AssumeRole)', async () => {
    const { reader, calls } = setup([{ status: 200, headers: HEADERS }]);
    await reader.read(target);
    await reader.read({ ...target, key: 'uploads/acme/alice/other.png' });
    expect(calls).toHaveLength(1);
    await reader.read({ ...target, key: 'uploads/acme/bob/x.png' });
    expect(calls).toHaveLength(2);
  });

  it('a missing object is undefined, not an error, and not retried', async () => {
    const { reader, fetches } = setup([{ status: 404, headers: {} }]);
    expect(await reader.read(target)).toBeUndefined();
    expect(fetches()).toBe(1);
  });

  it('a refusal by the bucket is object_unreadable at once', async () => {
    const { reader, fetches } = setup([{ status: 403, headers: {} }]);
    await expect(reader.read(target)).rejects.toMatchObject({ code: 'object_unreadable' });
    expect(fetches()).toBe(1);
  });

  it('retries a bucket that does not answer, a bounded number of times, then upstream_unavailable', async () => {
    const { reader, fetches } = setup([new Error('ETIMEDOUT')]);
    const error = await reader.read(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('upstream_unavailable');
    expect(fetches()).toBe(2);
  });

  it('a second attempt that answers is used', async () => {
    const { reader } = setup([new Error('ECONNRESET'), { status: 200, headers: HEADERS }]);
    expect((await reader.read(target))?.size).toBe(48211);
  });

  it.each([
    ['a size at the ledger bound (2^46)', { ...HEADERS, 'content-length': String(2 ** 46) }],
    ['a size of 10^16', { ...HEADERS, 'content-length': '10000000000000000' }],
    ['a negative size', { ...HEADERS, 'content-length': '-1' }],
    ['a fractional size', { ...HEADERS, 'content-length': '1.5' }],
    ['no size', { etag: HEADERS.etag, 'last-modified': HEADERS['last-modified'] }],
    ['no ETag', { 'content-length': '1', 'last-modified': HEADERS['last-modified'] }],
    ['no Last-Modified', { 'content-length': '1', etag: HEADERS.etag }],
  ])('refuses %s before any arithmetic', async (_what, headers) => {
    const { reader } = setup([{ status: 200, headers }]);
    await expect(reader.read(target)).rejects.toMatchObject({ code: 'object_unreadable' });
  });

  it('accepts the largest size the ledger holds', async () => {
    const { reader } = setup([{ status: 200, headers: { ...HEADERS, 'content-length': String(2 ** 46 - 1) } }]);
    expect((await reader.read(target))?.size).toBe(2 ** 46 - 1);
  });
});
