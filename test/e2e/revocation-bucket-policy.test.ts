/**
 * End to end, two replicas sharing one Redis, the OSS emulator and ali-oss: a user uploads with a vended token, is
 * revoked on replica A's admin API and refused with 403 `revoked` by both replicas; the token already in hand keeps
 * working at the storage until the admin applies the revocation's bucket-policy Deny through the admin API (with the
 * separately configured admin.bucketPolicy role), after which the storage refuses it; removing the Deny and lifting
 * the revocation restore service.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBucketPolicy } from '../../src/bucket-policy/index.js';
import { ACCOUNT, startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { BUCKET, expectAccessDenied, ossClient, randomBuffer, startStack, storedObject, type Stack, type Vended } from './stack.js';
import OSS from 'ali-oss';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';

const ADMIN_KEY = randomBytes(32).toString('base64url');
const bearer = { authorization: `Bearer ${ADMIN_KEY}` };
const ADMIN_ROLE = `acs:ram::${ACCOUNT}:role/bucket-policy-admin`;
/** The admin role's own RAM policy: bucket-policy actions on the bucket, nothing else. */
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
/** A role that may write the bucket policy but not read it: the broker must not take that for "no policy". */
const WRITE_ONLY_ROLE = `acs:ram::${ACCOUNT}:role/bucket-policy-write-only`;
const WRITE_ONLY_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutBucketPolicy'], Resource: [`acs:oss:*:*:${BUCKET}`] }],
};
/** Far above the 1 s the design promises: a bound on convergence, not a measure of its speed. */
const DEADLINE_MS = 15_000;

const withAdmin = (c: Record<string, unknown>) => {
  c.server = { ...(c.server as object | undefined), adminPort: 0, adminKeySha256: createHash('sha256').update(ADMIN_KEY).digest('hex') };
  c.admin = { bucketPolicy: { roleArn: ADMIN_ROLE } };
  c.rateLimits = { perPrincipal: { limit: 1000, windowSeconds: 60 }, perIp: { limit: 10000, windowSeconds: 60 } };
};

/** The bucket owner's own statement, which no change of the broker may lose. */
const OWN_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['20214760404935'], Resource: [`acs:oss:*:*:${BUCKET}/public/*`] }],
};

let stack: Stack;
let b: TestBroker;
let alice: Vended;
let bob: Vended;
/** Reads the bucket policy as its owner would: a token of the admin role (never the broker's own path). */
let owner: OSS;

beforeAll(async () => {
  stack = await startStack({
    extraRoles: [
      { arn: ADMIN_ROLE, policy: ADMIN_ROLE_POLICY },
      { arn: WRITE_ONLY_ROLE, policy: WRITE_ONLY_POLICY },
    ],
    configPatch: withAdmin,
  });
  b = await startTestBroker({ shared: stack.broker.shared, ossEndpoint: stack.oss.endpointPathStyle, configPatch: withAdmin });
  const files = { profile: 'uploads', files: [{ name: 'me.png', size: 4096, contentType: 'image/png' }] };
  alice = await stack.vend(await stack.user('alice', 'acme'), files);
  bob = await stack.vend(await stack.user('bob', 'acme'), files);
  const { shared, config } = stack.broker;
  const sts = createStsClient({
    config: config.sts,
    credential: accessKeyCredential(shared.accessKey.accessKeyId, shared.accessKey.accessKeySecret),
    trustedCa: shared.emulator.ca,
  });
  const token = await sts.assumeRole({
    roleArn: ADMIN_ROLE,
    roleSessionName: 'test-reader',
    durationSeconds: 900,
    policy: JSON.stringify(ADMIN_ROLE_POLICY),
  });
  owner = new OSS({
    endpoint: stack.oss.endpointPathStyle,
    sldEnable: true,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
  } as unknown as OSS.Options);
});
afterAll(async () => {
  await b?.close();
  await stack?.close();
});

const adminA = (): Express => stack.broker.admin!;
const adminB = (): Express => b.admin!;

async function askBoth(auth: Record<string, string>): Promise<request.Response[]> {
  const body = { profile: 'uploads', files: [{ name: 'me.png', size: 4096, contentType: 'image/png' }] };
  return Promise.all([stack.broker.app, b.app].map((app) => request(app).post('/v1/credentials').set(auth).send(body)));
}

/** Polls both replicas until each answers `status` (and `code`, when given); bounded by DEADLINE_MS. */
async function untilBoth(auth: Record<string, string>, status: number, code?: string): Promise<request.Response[]> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const answers = await askBoth(auth);
    if (answers.every((r) => r.status === status && (code === undefined || r.body.code === code))) return answers;
    if (Date.now() > deadline) throw new Error(`not ${status} ${code ?? ''} on both replicas: ${answers.map((r) => r.status).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a revoked user, stopped at the broker and at the storage', () => {
  it('is refused by both replicas, then by the storage once the admin applies the bucket policy, and restored on lift', async () => {
    const key = `${alice.upload.prefix}me.png`;
    await ossClient(alice).put(key, randomBuffer(4096));
    const aliceAuth = await stack.user('alice', 'acme');

    const revoked = await request(adminA())
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme', sub: 'alice' }, reason: 'laptop stolen' });
    expect(revoked.status).toBe(201);
    const id = revoked.body.id as string;
    const refused = await untilBoth(aliceAuth, 403, 'revoked');
    expect(refused).toHaveLength(2);

    // STS has no revocation call: the token already in hand still works at the storage.
    const stillWorks = randomBuffer(4096);
    await ossClient(alice).put(key, stillWorks);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(stillWorks);

    // Produced, on either replica, without touching the bucket.
    const produced = await request(adminB()).get(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
    expect(produced.status).toBe(200);
    expectMatchesSpec('GET', '/admin/v1/revocations/{id}/bucket-policy', produced);
    expect(produced.body.buckets).toHaveLength(1);
    expect(produced.body.buckets[0].bucket).toBe(BUCKET);
    expect(produced.body.buckets[0].statements[0].Condition.StringEquals['acs:AccessId']).toEqual([alice.credentials.accessKeyId]);
    expect(produced.body.unknownProfiles).toEqual([]);
    expect(await readBucketPolicy(owner, BUCKET)).toBeNull();

    const applied = await request(adminA()).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expectMatchesSpec('POST', '/admin/v1/revocations/{id}/bucket-policy', applied);
    expect(applied.body.buckets).toEqual([{ bucket: BUCKET, accessKeyIds: [alice.credentials.accessKeyId] }]);
    const audited = stack.broker.audit.find((e) => e.event === 'admin.bucket_policy_applied');
    expect(audited).toMatchObject({ actor: 'admin', revocationId: id, outcome: 'applied', target: { tenant: 'acme', sub: 'alice' } });

    await expectAccessDenied(ossClient(alice).put(key, randomBuffer(4096)));
    await expectAccessDenied(ossClient(alice, { v4: true }).put(key, randomBuffer(4096)));
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(stillWorks);
    // Another user's token is untouched.
    const bobBody = randomBuffer(4096);
    await ossClient(bob).put(`${bob.upload.prefix}me.png`, bobBody);
    expect(storedObject(stack.oss, BUCKET, `${bob.upload.prefix}me.png`)).toEqual(bobBody);

    const removed = await request(adminB()).delete(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
    expect(removed.status).toBe(204);
    expect(b.audit.find((e) => e.event === 'admin.bucket_policy_removed')).toMatchObject({ actor: 'admin', revocationId: id });
    expect(await readBucketPolicy(owner, BUCKET)).toBeNull();
    const lifted = await request(adminA()).delete(`/admin/v1/revocations/${id}`).set(bearer);
    expect(lifted.status).toBe(204);

    const again = randomBuffer(4096);
    await ossClient(alice).put(key, again);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(again);
    await untilBoth(aliceAuth, 200);
  });

  it('answers 404 for a revocation that is not in force', async () => {
    for (const method of ['get', 'post', 'delete'] as const) {
      const res = await request(adminA())[method]('/admin/v1/revocations/rv_nosuch/bucket-policy').set(bearer);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });
});

describe('when the bucket policy cannot be changed', () => {
  /** Another replica on the same Redis, with its own admin.bucketPolicy (or none). */
  async function replica(bucketPolicy: Record<string, unknown> | undefined): Promise<TestBroker> {
    return startTestBroker({
      shared: stack.broker.shared,
      ossEndpoint: stack.oss.endpointPathStyle,
      configPatch: (c) => {
        withAdmin(c);
        c.admin = bucketPolicy === undefined ? {} : { bucketPolicy };
      },
    });
  }

  let id: string;
  beforeAll(async () => {
    await stack.vend(await stack.user('carol', 'acme'), { profile: 'uploads' });
    const revoked = await request(adminA())
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme', sub: 'carol' }, reason: 'test' });
    expect(revoked.status).toBe(201);
    id = revoked.body.id;
  });
  afterAll(async () => {
    await request(adminA()).delete(`/admin/v1/revocations/${id}`).set(bearer);
  });

  it('produces without admin.bucketPolicy, and refuses to apply with 409 bucket_policy_not_configured', async () => {
    const unconfigured = await replica(undefined);
    try {
      const produced = await request(unconfigured.admin!).get(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
      expect(produced.status).toBe(200);
      expect(produced.body.buckets).toHaveLength(1);
      const applied = await request(unconfigured.admin!).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
      expect(applied.status).toBe(409);
      expect(applied.body.code).toBe('bucket_policy_not_configured');
      expectMatchesSpec('POST', '/admin/v1/revocations/{id}/bucket-policy', applied);
    } finally {
      await unconfigured.close();
    }
  });

  it('answers 502 bucket_policy_unavailable when the policy cannot be read, and writes nothing', async () => {
    await owner.putBucketPolicy(BUCKET, OWN_POLICY as unknown as OSS.BucketPolicy);
    const writeOnly = await replica({ roleArn: WRITE_ONLY_ROLE });
    try {
      const applied = await request(writeOnly.admin!).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
      expect(applied.status).toBe(502);
      expect(applied.body.code).toBe('bucket_policy_unavailable');
      expect(await readBucketPolicy(owner, BUCKET)).toEqual(OWN_POLICY);
    } finally {
      await writeOnly.close();
      await owner.deleteBucketPolicy(BUCKET);
    }
  });

  it('answers 409 bucket_policy_too_large when the Deny would not fit, and keeps the bucket policy', async () => {
    const big = {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Principal: ['20214760404935'],
          Resource: [] as string[],
        },
      ],
    };
    // Within 100 bytes of OSS's 16 KB: the policy fits, the policy plus one Deny statement does not.
    while (JSON.stringify(big).length < 16 * 1024 - 100)
      big.Statement[0]!.Resource.push(`acs:oss:*:*:${BUCKET}/public/${big.Statement[0]!.Resource.length}/*`);
    await owner.putBucketPolicy(BUCKET, big as unknown as OSS.BucketPolicy);
    try {
      const applied = await request(adminA()).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
      expect(applied.status).toBe(409);
      expect(applied.body.code).toBe('bucket_policy_too_large');
      expect(await readBucketPolicy(owner, BUCKET)).toEqual(big);
    } finally {
      await owner.deleteBucketPolicy(BUCKET);
    }
  });

  it('answers 503 bucket_policy_busy while another replica holds the bucket lock', async () => {
    await stack.broker.store.set(`bucket-policy-lock:${BUCKET}`, 'another-replica', 60_000);
    try {
      const applied = await request(adminB()).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
      expect(applied.status).toBe(503);
      expect(applied.body.code).toBe('bucket_policy_busy');
      expect(applied.headers['retry-after']).toBe('5');
      expect(await readBucketPolicy(owner, BUCKET)).toBeNull();
    } finally {
      await stack.broker.store.del(`bucket-policy-lock:${BUCKET}`);
    }
    const applied = await request(adminB()).post(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
    expect(applied.status).toBe(200);
    const removed = await request(adminB()).delete(`/admin/v1/revocations/${id}/bucket-policy`).set(bearer);
    expect(removed.status).toBe(204);
  });
});
