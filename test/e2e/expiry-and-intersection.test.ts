/**
 * End to end: a token stops working when it expires, and a session policy never grants more than the role itself
 * holds (effective permission = session policy ∩ role policy, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT } from '../helpers/broker.js';
import { BUCKET, expectAccessDenied, ossClient, ossFailure, randomBuffer, startStack, storedObject, type Stack } from './stack.js';

/** A role whose own policy lets it write only under uploads/acme/, narrower than the profile that uses it. */
const NARROW_ROLE = `acs:ram::${ACCOUNT}:role/test-narrow-uploader`;
const NARROW_ROLE_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
      Resource: [`acs:oss:*:*:${BUCKET}/uploads/acme/*`],
    },
  ],
};

/**
 * The OSS emulator's code for an expired STS token (dev/emulator/oss/oss-error.ts `securityTokenExpired`): the real
 * code name is unconfirmed (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header, EC 0002-00000007); `SecurityTokenExpired` is what ali-oss's own code uses.
 */
const EXPIRED_TOKEN_CODE = 'SecurityTokenExpired';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    extraRoles: [{ arn: NARROW_ROLE, maxSessionDurationSeconds: 3600, policy: NARROW_ROLE_POLICY }],
    configPatch: (config) => {
      config.profiles.narrow = { ...config.profiles.uploads, roleArn: NARROW_ROLE };
    },
  });
});
afterAll(async () => stack?.close());

describe('an expired token', () => {
  it('works until its expiry and is refused by OSS once the emulator clock passes it', async () => {
    const vended = await stack.vend(await stack.user('exp', 'acme'), { profile: 'uploads' });
    const lifetimeMs = Date.parse(vended.credentials.expiration) - Date.now();
    // The profile's default duration: the STS minimum, 900 s.
    expect(lifetimeMs).toBeGreaterThan(14 * 60 * 1000);
    expect(lifetimeMs).toBeLessThanOrEqual(15 * 60 * 1000);
    const key = `${vended.upload.prefix}before.png`;
    await ossClient(vended).put(key, randomBuffer(64));
    expect(storedObject(stack.oss, BUCKET, key)).toBeDefined();

    // Move the emulator 16 minutes on, and the client's request dates with it, so the only thing out of date is
    // the token (not the request signature's date, which would be RequestTimeTooSkewed).
    const skew = 16 * 60 * 1000;
    stack.ossClock.offsetMs = skew;
    try {
      for (const client of [ossClient(vended, { clockSkewMs: skew }), ossClient(vended, { clockSkewMs: skew, v4: true })]) {
        const error = await ossFailure(client.put(`${vended.upload.prefix}after.png`, randomBuffer(64)));
        expect(error.status).toBe(403);
        expect(error.code).toBe(EXPIRED_TOKEN_CODE);
      }
      expect(storedObject(stack.oss, BUCKET, `${vended.upload.prefix}after.png`)).toBeUndefined();
    } finally {
      stack.ossClock.offsetMs = 0;
    }
  });
});

describe('a session policy that asks for more than the role allows', () => {
  it('gets the intersection: inside the role policy the write works', async () => {
    const acme = await stack.vend(await stack.user('alice', 'acme'), { profile: 'narrow' });
    expect(acme.upload.prefix).toBe('uploads/acme/alice/');
    const body = randomBuffer(1024);
    await ossClient(acme).put('uploads/acme/alice/ok.png', body);
    expect(storedObject(stack.oss, BUCKET, 'uploads/acme/alice/ok.png')).toEqual(body);
    const big = randomBuffer(150 * 1024);
    await ossClient(acme, { v4: true }).multipartUpload('uploads/acme/alice/ok-big.png', big, { partSize: 100 * 1024 });
    expect(storedObject(stack.oss, BUCKET, 'uploads/acme/alice/ok-big.png')).toEqual(big);
  });

  it('a user of another tenant gets a token (STS does not check), but OSS refuses every write', async () => {
    const globex = await stack.vend(await stack.user('gina', 'globex'), { profile: 'narrow' });
    expect(globex.upload.prefix).toBe('uploads/globex/gina/');
    for (const client of [ossClient(globex), ossClient(globex, { v4: true }), ossClient(globex, { hostStyle: true })]) {
      await expectAccessDenied(client.put('uploads/globex/gina/x.png', randomBuffer(64)));
    }
    await expectAccessDenied(
      ossClient(globex).multipartUpload('uploads/globex/gina/big.png', randomBuffer(150 * 1024), { partSize: 100 * 1024 }),
    );
    expect(storedObject(stack.oss, BUCKET, 'uploads/globex/gina/x.png')).toBeUndefined();
  });

  it('the other direction too: what the role allows but the session policy does not is refused', async () => {
    const acme = await stack.vend(await stack.user('alice', 'acme'), { profile: 'narrow' });
    // Role allows uploads/acme/*; the session policy only the user prefix and only png/jpg.
    await expectAccessDenied(ossClient(acme).put('uploads/acme/bob/x.png', randomBuffer(64)));
    await expectAccessDenied(ossClient(acme).put('uploads/acme/alice/tool.exe', randomBuffer(64)));
  });
});
