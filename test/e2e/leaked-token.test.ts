/**
 * End to end: a token the broker vended, already in a client's hands, is refused by the storage once a bucket-policy
 * Deny names its AccessKeyId, and works again once the Deny is lifted. The Deny is applied with ali-oss
 * PutBucketPolicy (src/bucket-policy) by an admin identity of its own, a token from the STS emulator for a role that
 * may edit the bucket policy and nothing else. Also: the token carries the principal as its SourceIdentity, and the
 * audit event joins that SourceIdentity to the AccessKeyId the Deny names.
 */
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToken } from '../../dev/emulator/sts/index.js';
import { applyDenyStatements, readBucketPolicy, removeDenyStatements } from '../../src/bucket-policy/index.js';
import { sourceIdentity } from '../../src/rules/source-identity.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import { ACCOUNT } from '../helpers/broker.js';
import { BUCKET, expectAccessDenied, ossClient, randomBuffer, startStack, storedObject, type Stack, type Vended } from './stack.js';

const ADMIN_ROLE = `acs:ram::${ACCOUNT}:role/bucket-policy-admin`;
const ADMIN_ROLE_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:GetBucketPolicy', 'oss:PutBucketPolicy', 'oss:DeleteBucketPolicy'],
      Resource: [`acs:oss:*:*:${BUCKET}`],
    },
  ],
};

let stack: Stack;
let admin: OSS;
let alice: Vended;
let bob: Vended;

beforeAll(async () => {
  stack = await startStack({ extraRoles: [{ arn: ADMIN_ROLE, policy: ADMIN_ROLE_POLICY }] });
  const { broker } = stack;
  const sts = createStsClient({
    config: broker.config.sts,
    credential: accessKeyCredential(broker.shared.accessKey.accessKeyId, broker.shared.accessKey.accessKeySecret),
    trustedCa: broker.emulator.ca,
  });
  const token = await sts.assumeRole({
    roleArn: ADMIN_ROLE,
    roleSessionName: 'bucket-admin',
    durationSeconds: 900,
    policy: JSON.stringify(ADMIN_ROLE_POLICY),
  });
  admin = new OSS({
    endpoint: stack.oss.endpointPathStyle,
    sldEnable: true,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
  } as unknown as OSS.Options);
  const files = { profile: 'uploads', files: [{ name: 'me.png', size: 4096, contentType: 'image/png' }] };
  alice = await stack.vend(await stack.user('alice', 'acme'), files);
  bob = await stack.vend(await stack.user('bob', 'acme'), files);
});
afterAll(async () => stack?.close());

describe('a leaked token, stopped at the storage', () => {
  it('carries the principal as SourceIdentity, and the audit event joins it to the AccessKeyId', () => {
    const expected = sourceIdentity({ clientId: 'web', tenant: 'acme', subject: 'alice' });
    expect(expected).toBe('alice@acme@web');
    expect(openToken(alice.credentials.securityToken, stack.broker.shared.sealKey)?.sourceIdentity).toBe(expected);
    const issued = stack.broker.audit.find((e) => e.event === 'credentials.issued' && e.accessKeyId === alice.credentials.accessKeyId);
    expect(issued).toMatchObject({ sourceIdentity: expected, principal: { clientId: 'web', tenant: 'acme', subject: 'alice' } });
  });

  it('uploads, is refused after the Deny for its AccessKeyId, and uploads again once it is lifted', async () => {
    const key = `${alice.upload.prefix}me.png`;
    await ossClient(alice).put(key, randomBuffer(4096));

    await applyDenyStatements(admin, BUCKET, [
      { accessKeyId: alice.credentials.accessKeyId, expiresAt: Date.parse(alice.credentials.expiration) },
    ]);
    await expectAccessDenied(ossClient(alice).put(key, randomBuffer(4096)));
    await expectAccessDenied(ossClient(alice, { v4: true }).put(key, randomBuffer(4096)));
    // Another user's token is untouched.
    const bobBody = randomBuffer(4096);
    await ossClient(bob).put(`${bob.upload.prefix}me.png`, bobBody);
    expect(storedObject(stack.oss, BUCKET, `${bob.upload.prefix}me.png`)).toEqual(bobBody);

    await removeDenyStatements(admin, BUCKET, [alice.credentials.accessKeyId]);
    expect(await readBucketPolicy(admin, BUCKET)).toBeNull();
    const again = randomBuffer(4096);
    await ossClient(alice).put(key, again);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(again);
  });

  it('an upload token of the broker cannot lift the Deny itself', async () => {
    await applyDenyStatements(admin, BUCKET, [
      { accessKeyId: alice.credentials.accessKeyId, expiresAt: Date.parse(alice.credentials.expiration) },
    ]);
    try {
      const self = ossClient(alice);
      await expectAccessDenied(self.deleteBucketPolicy(BUCKET));
      await expectAccessDenied(ossClient(bob).deleteBucketPolicy(BUCKET));
    } finally {
      await removeDenyStatements(admin, BUCKET);
    }
  });
});
