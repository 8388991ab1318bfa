/**
 * applyDenyStatements / removeDenyStatements through the real ali-oss client against the OSS emulator: the bucket
 * owner's own statements survive, the leaked token is refused by the storage and only it, and lifting restores it.
 */
import { describe, expect, it } from 'vitest';
import {
  applyDenyStatements,
  BucketPolicyReadError,
  readBucketPolicy,
  removeDenyStatements,
  type BucketPolicyDocument,
} from '../../src/bucket-policy/index.js';
import { BUCKET, emulatorForFile, ossClient, thrown, userPolicy } from '../dev/emulator/oss/helpers.js';

const { env, creds } = emulatorForFile();

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

const OWN: BucketPolicyDocument = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['20214760404935'], Resource: [`acs:oss:*:*:${BUCKET}/public/*`] }],
};

const expiresAt = (c: { expiration: string }) => Date.parse(c.expiration);

describe('applyDenyStatements against the OSS emulator', () => {
  it('denies the leaked token at the storage, keeps the owner statements, and removal restores it', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY));
    await admin.putBucketPolicy(BUCKET, OWN as never);
    const leaked = await env.token(userPolicy('alice'));
    const leakedClient = ossClient(env.oss, leaked);
    await leakedClient.put('users/alice/a.txt', Buffer.from('a'));

    const written = await applyDenyStatements(admin, BUCKET, [{ accessKeyId: leaked.accessKeyId, expiresAt: expiresAt(leaked) }]);
    expect(await readBucketPolicy(admin, BUCKET)).toEqual(written);
    expect(written!.Statement[0]).toEqual(OWN.Statement[0]);
    const err = await thrown(() => leakedClient.put('users/alice/b.txt', Buffer.from('b')));
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    await ossClient(env.oss, creds).put('users/alice/c.txt', Buffer.from('c'));

    await removeDenyStatements(admin, BUCKET, [leaked.accessKeyId]);
    expect(await readBucketPolicy(admin, BUCKET)).toEqual(OWN);
    await leakedClient.put('users/alice/b.txt', Buffer.from('b'));
    expect(env.oss.objects.get(BUCKET, 'users/alice/b.txt')?.body.toString()).toBe('b');
    await admin.deleteBucketPolicy(BUCKET);
  });

  it('on a bucket without a policy, adds one and deletes it again when the last deny is lifted', async () => {
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY));
    await applyDenyStatements(admin, BUCKET, [{ accessKeyId: creds.accessKeyId, expiresAt: expiresAt(creds) }]);
    expect((await thrown(() => ossClient(env.oss, creds).put('users/alice/d.txt', Buffer.from('d')))).code).toBe('AccessDenied');
    expect(await removeDenyStatements(admin, BUCKET)).toBeNull();
    expect(await readBucketPolicy(admin, BUCKET)).toBeNull();
    await ossClient(env.oss, creds).put('users/alice/d.txt', Buffer.from('d'));
  });

  it('refuses to write when the policy cannot be read, rather than overwrite the owner statements', async () => {
    const putOnly = {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutBucketPolicy'], Resource: [`acs:oss:*:*:${BUCKET}`] }],
    };
    const admin = ossClient(env.oss, await env.token(ADMIN_POLICY));
    await admin.putBucketPolicy(BUCKET, OWN as never);
    const blind = ossClient(env.oss, await env.token(putOnly));
    const err = await thrown(() => applyDenyStatements(blind, BUCKET, [{ accessKeyId: 'STS.x', expiresAt: Date.now() + 60_000 }]));
    expect(err).toBeInstanceOf(BucketPolicyReadError);
    expect((err as unknown as BucketPolicyReadError).status).toBe(403);
    expect(await readBucketPolicy(admin, BUCKET)).toEqual(OWN);
    await admin.deleteBucketPolicy(BUCKET);
  });
});
