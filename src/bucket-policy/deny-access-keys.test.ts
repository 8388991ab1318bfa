import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketPolicyDenies, parseBucketPolicy } from '../../dev/emulator/policy/index.js';
import {
  BucketPolicyTooLargeError,
  deniedAccessKeys,
  denyStatements,
  MAX_IDS_PER_STATEMENT,
  mergeDenyStatements,
  unmergeDenyStatements,
  type BucketPolicyDocument,
} from './deny-access-keys.js';

const NOW = Date.UTC(2030, 0, 1, 0, 0, 0);
const MIN = 60_000;
const BUCKET = 'uploads-bucket';
const caller = { roleArn: 'acs:ram::1234567890123456:role/uploader', roleSessionName: 'alice@acme' };

/** The bucket owner's own statement, which every change must keep byte for byte. */
const OWN: BucketPolicyDocument = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:GetObject'],
      Principal: ['20214760404935'],
      Resource: [`acs:oss:*:*:${BUCKET}/public/*`],
    },
  ],
};

/** Whether the emulator's evaluator, given this policy, refuses a PutObject signed with `accessKeyId` at `at`. */
function refuses(policy: BucketPolicyDocument | null, accessKeyId: string, at: number): boolean {
  if (policy === null) return false;
  const context = { 'acs:AccessId': accessKeyId, 'acs:CurrentTime': new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return bucketPolicyDenies(parseBucketPolicy(policy), caller, {
    action: 'oss:PutObject',
    resource: `acs:oss:*:*:${BUCKET}/uploads/acme/alice/a.png`,
    context,
  });
}

describe('denyStatements', () => {
  it('is the documented shape: Deny oss:* to *, on the bucket and its objects, for these ids until they expire', () => {
    expect(denyStatements(BUCKET, [{ accessKeyId: 'STS.a', expiresAt: NOW + 10 * MIN + 1 }], NOW)).toEqual([
      {
        Effect: 'Deny',
        Action: ['oss:*'],
        Principal: ['*'],
        Resource: [`acs:oss:*:*:${BUCKET}`, `acs:oss:*:*:${BUCKET}/*`],
        Condition: {
          StringEquals: { 'acs:AccessId': ['STS.a'] },
          // Rounded up to the second, never down: the deny never ends before the token does.
          DateLessThan: { 'acs:CurrentTime': '2030-01-01T00:10:01Z' },
        },
      },
    ]);
  });

  it('leaves out expired keys, merges duplicates, and groups at most MAX_IDS_PER_STATEMENT ids', () => {
    const keys = Array.from({ length: MAX_IDS_PER_STATEMENT + 1 }, (_, i) => ({
      accessKeyId: `STS.k${i}`,
      expiresAt: NOW + (i + 1) * MIN,
    }));
    const statements = denyStatements(BUCKET, [...keys, { accessKeyId: 'STS.old', expiresAt: NOW }, keys[0]!], NOW);
    expect(statements).toHaveLength(2);
    expect(statements[0]!.Condition!.StringEquals!['acs:AccessId']).toHaveLength(MAX_IDS_PER_STATEMENT);
    expect(statements[1]!.Condition!.StringEquals!['acs:AccessId']).toEqual([`STS.k${MAX_IDS_PER_STATEMENT}`]);
    expect(JSON.stringify(statements)).not.toContain('STS.old');
  });
});

describe('merge and unmerge', () => {
  it('adds the deny beside the bucket owner own statements, and the storage then refuses exactly those ids', () => {
    const merged = mergeDenyStatements(OWN, BUCKET, [{ accessKeyId: 'STS.leaked', expiresAt: NOW + 15 * MIN }], NOW);
    expect(merged!.Statement[0]).toEqual(OWN.Statement[0]);
    expect(merged!.Statement).toHaveLength(2);
    expect(refuses(merged, 'STS.leaked', NOW + MIN)).toBe(true);
    expect(refuses(merged, 'STS.other', NOW + MIN)).toBe(false);
    // Inert once the token has expired, even if nobody removes it.
    expect(refuses(merged, 'STS.leaked', NOW + 15 * MIN)).toBe(false);
  });

  it('keeps earlier denies when more are added, and drops the expired ones', () => {
    const first = mergeDenyStatements(null, BUCKET, [{ accessKeyId: 'STS.a', expiresAt: NOW + 5 * MIN }], NOW);
    const later = NOW + 6 * MIN;
    const second = mergeDenyStatements(first, BUCKET, [{ accessKeyId: 'STS.b', expiresAt: later + 10 * MIN }], later);
    expect(deniedAccessKeys(second, BUCKET).map((k) => k.accessKeyId)).toEqual(['STS.b']);
    const third = mergeDenyStatements(second, BUCKET, [{ accessKeyId: 'STS.c', expiresAt: later + 20 * MIN }], later);
    expect(deniedAccessKeys(third, BUCKET).map((k) => k.accessKeyId)).toEqual(['STS.b', 'STS.c']);
  });

  it('unmerge lifts the named ids only, or all of ours; the owner statements stay; nothing left is null', () => {
    const merged = mergeDenyStatements(
      OWN,
      BUCKET,
      [
        { accessKeyId: 'STS.a', expiresAt: NOW + 5 * MIN },
        { accessKeyId: 'STS.b', expiresAt: NOW + 5 * MIN },
      ],
      NOW,
    );
    const one = unmergeDenyStatements(merged, BUCKET, NOW, ['STS.a']);
    expect(refuses(one, 'STS.a', NOW)).toBe(false);
    expect(refuses(one, 'STS.b', NOW)).toBe(true);
    expect(unmergeDenyStatements(merged, BUCKET, NOW)).toEqual(OWN);
    expect(
      unmergeDenyStatements(mergeDenyStatements(null, BUCKET, [{ accessKeyId: 'STS.a', expiresAt: NOW + MIN }], NOW), BUCKET, NOW),
    ).toBeNull();
  });

  it('never takes a statement that is not exactly ours for one of ours', () => {
    const [deny] = denyStatements(BUCKET, [{ accessKeyId: 'STS.a', expiresAt: NOW + MIN }], NOW);
    const lookalikes: BucketPolicyDocument = {
      Version: '1',
      Statement: [
        { ...deny!, Resource: [`acs:oss:*:*:${BUCKET}/*`] },
        { ...deny!, Principal: ['20214760404935'] },
        { ...deny!, Condition: { ...deny!.Condition, IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } },
        { ...deny!, Sid: 'owner' },
        denyStatements('other-bucket', [{ accessKeyId: 'STS.a', expiresAt: NOW + MIN }], NOW)[0]!,
      ],
    };
    expect(unmergeDenyStatements(lookalikes, BUCKET, NOW)).toEqual(lookalikes);
  });

  it('refuses to grow past the 16 KB OSS limit instead of dropping a deny', () => {
    const keys = Array.from({ length: 600 }, (_, i) => ({ accessKeyId: `STS.${'x'.repeat(25)}${i}`, expiresAt: NOW + (i + 1) * MIN }));
    expect(() => mergeDenyStatements(OWN, BUCKET, keys, NOW)).toThrow(BucketPolicyTooLargeError);
  });

  it('property: after a merge every unexpired key is refused, no other id is, and the owner statements are kept', () => {
    const key = fc.record({
      accessKeyId: fc.stringMatching(/^STS\.[A-Za-z0-9]{4,12}$/),
      expiresAt: fc.integer({ min: NOW - 10 * MIN, max: NOW + 60 * MIN }),
    });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 80 }), fc.array(key, { maxLength: 80 }), (before, added) => {
        const first = mergeDenyStatements(OWN, BUCKET, before, NOW - 20 * MIN);
        const merged = mergeDenyStatements(first, BUCKET, added, NOW);
        expect(merged!.Statement[0]).toEqual(OWN.Statement[0]);
        const live = [...before, ...added].filter((k) => k.expiresAt > NOW);
        for (const k of live) expect(refuses(merged, k.accessKeyId, NOW)).toBe(true);
        expect(refuses(merged, 'STS.neverIssued', NOW)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
