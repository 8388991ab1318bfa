/**
 * GetBucketPolicy / PutBucketPolicy / DeleteBucketPolicy through the real ali-oss client, authorized like any other
 * request (an upload token may not touch them), and bucket-policy Deny statements on `acs:AccessId` refusing a
 * token before its own policies are consulted.
 */
import { describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { BUCKET, MODES, emulatorForFile, ossClient, thrown, userPolicy, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();

/** What an admin identity holds: the bucket's policy, nothing else. */
const ADMIN_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:GetBucketPolicy', 'oss:PutBucketPolicy', 'oss:DeleteBucketPolicy'],
      Resource: [`acs:oss:*:*:${BUCKET}`],
    },
  ],
};

/**
 * ali-oss 6.x getBucketPolicy sets its success statuses only after the request, so a 404 or 403 comes back as a
 * result with `policy: null` instead of an error: the status and the XML body say what happened.
 */
async function getPolicy(client: OSS): Promise<{ status: number; code: string | undefined; policy: unknown }> {
  const result = await client.getBucketPolicy(BUCKET);
  const body = (result.res as unknown as { data?: Buffer }).data?.toString('utf8') ?? '';
  return { status: result.status, code: xmlCode(body), policy: result.policy };
}

function denyFor(ids: string[], until = '2999-01-01T00:00:00Z') {
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Deny' as const,
        Action: ['oss:*'],
        Principal: ['*'],
        Resource: [`acs:oss:*:*:${BUCKET}`, `acs:oss:*:*:${BUCKET}/*`],
        Condition: { StringEquals: { 'acs:AccessId': ids }, DateLessThan: { 'acs:CurrentTime': until } },
      },
    ],
  };
}

describe.each(MODES)('$name', (mode) => {
  it('a bucket without a policy answers GetBucketPolicy with 404 NoSuchBucketPolicy', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY), mode);
    expect(await getPolicy(admin)).toEqual({ status: 404, code: 'NoSuchBucketPolicy', policy: null });
  });

  it('an upload token may not read, write or delete the bucket policy', async () => {
    const uploader = ossClient(env.oss, creds, mode);
    expect(await getPolicy(uploader)).toEqual({ status: 403, code: 'AccessDenied', policy: null });
    for (const call of [() => uploader.putBucketPolicy(BUCKET, denyFor(['STS.x'])), () => uploader.deleteBucketPolicy(BUCKET)]) {
      const err = await thrown(call);
      expect(err.code).toBe('AccessDenied');
      expect(err.status).toBe(403);
    }
  });

  it('a Deny on the AccessKeyId refuses that token on every operation, others pass; deleting it restores', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY), mode);
    const leaked = await env.token(userPolicy('alice'));
    const other = await env.token(userPolicy('alice'));
    const leakedClient = ossClient(env.oss, leaked, mode);
    await leakedClient.put('users/alice/before.txt', Buffer.from('x'));

    await admin.putBucketPolicy(BUCKET, denyFor([leaked.accessKeyId]));
    expect((await getPolicy(admin)).policy).toEqual(denyFor([leaked.accessKeyId]));
    for (const call of [
      () => leakedClient.put('users/alice/after.txt', Buffer.from('x')),
      () => leakedClient.get('users/alice/before.txt'),
      () => leakedClient.list({ prefix: 'users/alice/', 'max-keys': 10 }, {}),
    ]) {
      const err = await thrown(call);
      expect(err.code).toBe('AccessDenied');
      expect(err.status).toBe(403);
    }
    await ossClient(env.oss, other, mode).put('users/alice/other.txt', Buffer.from('x'));

    await admin.deleteBucketPolicy(BUCKET);
    await leakedClient.put('users/alice/after.txt', Buffer.from('x'));
    expect(env.oss.objects.get(BUCKET, 'users/alice/after.txt')).toBeDefined();
  });

  it('a Deny whose acs:CurrentTime bound has passed refuses nothing', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY), mode);
    await admin.putBucketPolicy(BUCKET, denyFor([creds.accessKeyId], '2000-01-01T00:00:00Z'));
    try {
      await ossClient(env.oss, creds, mode).put('users/alice/late.txt', Buffer.from('x'));
    } finally {
      await admin.deleteBucketPolicy(BUCKET);
    }
  });

  it('a policy off the grammar is refused with 400 InvalidPolicyDocument and not stored', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY), mode);
    const noPrincipal = { Version: '1', Statement: [{ Effect: 'Deny', Action: ['oss:*'], Resource: ['*'] }] };
    const err = await thrown(() => admin.putBucketPolicy(BUCKET, noPrincipal as never));
    expect(err.code).toBe('InvalidPolicyDocument');
    expect(err.status).toBe(400);
    expect((await getPolicy(admin)).code).toBe('NoSuchBucketPolicy');
  });
});
