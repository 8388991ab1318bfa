/**
 * Authentication and token checks (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header/D2): unsigned, wrongly signed, skewed, token-less, tampered, expired and
 * mismatched requests are refused with OSS's codes; then RAM's session ∩ role intersection (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation").
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealToken } from '../../../../dev/emulator/sts/index.js';
import { BUCKET, MODES, NARROW_ROLE, emulatorForFile, ossClient, raw, signV1, startEnv, thrown, userPolicy, xmlCode } from './helpers.js';
import { changeCharAt } from '../../../../dev/testing/tamper.js';

const { env, creds } = emulatorForFile();

describe.each(MODES)('$name', (mode) => {
  it('wrong secret → 403 SignatureDoesNotMatch', async () => {
    const client = ossClient(env.oss, { ...creds, accessKeySecret: 'not-the-secret' }, mode);
    const err = await thrown(() => client.put('users/alice/x.txt', Buffer.from('x')));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.status).toBe(403);
  });

  it('no token → InvalidAccessKeyId', async () => {
    const client = ossClient(env.oss, { accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret }, mode);
    const err = await thrown(() => client.put('users/alice/x.txt', Buffer.from('x')));
    expect(err.code).toBe('InvalidAccessKeyId');
  });

  it('tampered token → InvalidSecurityToken', async () => {
    const t = creds.securityToken;
    const flipped = changeCharAt(t, 20);
    const err = await thrown(() =>
      ossClient(env.oss, { ...creds, securityToken: flipped }, mode).put('users/alice/x.txt', Buffer.from('x')),
    );
    expect(err.code).toBe('InvalidSecurityToken');
  });

  it("another token's AccessKeyId → InvalidAccessKeyId", async () => {
    const other = await env.token();
    const err = await thrown(() =>
      ossClient(env.oss, { ...creds, securityToken: other.securityToken }, mode).put('users/alice/x.txt', Buffer.from('x')),
    );
    expect(err.code).toBe('InvalidAccessKeyId');
  });
});

describe('request shape', () => {
  it('an unsigned request is AccessDenied with an XML body and a request id', async () => {
    const res = await raw(env.oss, { method: 'PUT', path: `/${BUCKET}/users/alice/anon.txt`, body: 'x' });
    expect(res.status).toBe(403);
    expect(xmlCode(res.body)).toBe('AccessDenied');
    expect(res.headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(res.body).toContain(`<RequestId>${String(res.headers['x-oss-request-id'])}</RequestId>`);
    expect(res.body).toContain('<HostId>');
    expect(env.oss.stats.byCode.AccessDenied).toBeGreaterThan(0);
    expect(env.oss.stats.byOperation.PutObject).toBeGreaterThan(0);
  });

  it('SignatureDoesNotMatch carries the server StringToSign', async () => {
    const date = new Date().toUTCString();
    const headers = {
      'x-oss-date': date,
      'x-oss-security-token': creds.securityToken,
      'content-type': 'text/plain',
      authorization: `OSS ${creds.accessKeyId}:${signV1('wrong', 'whatever')}`,
    };
    const res = await raw(env.oss, { method: 'PUT', path: `/${BUCKET}/users/alice/s.txt`, headers, body: 'x' });
    expect(res.status).toBe(403);
    expect(xmlCode(res.body)).toBe('SignatureDoesNotMatch');
    const expected = `PUT\n\ntext/plain\n${date}\nx-oss-date:${date}\nx-oss-security-token:${creds.securityToken}\n/${BUCKET}/users/alice/s.txt`;
    expect(res.body).toContain(`<StringToSign>${expected}</StringToSign>`);
    expect(res.body).toContain('<StringToSignBytes>');
  });

  it('a hand-made V1 signature with the Date header (no x-oss-date) is accepted', async () => {
    const date = new Date().toUTCString();
    const sts = `PUT\n\n\n${date}\nx-oss-security-token:${creds.securityToken}\n/${BUCKET}/users/alice/date.txt`;
    const res = await raw(env.oss, {
      method: 'PUT',
      path: `/${BUCKET}/users/alice/date.txt`,
      headers: {
        date,
        'x-oss-security-token': creds.securityToken,
        authorization: `OSS ${creds.accessKeyId}:${signV1(creds.accessKeySecret, sts)}`,
      },
      body: 'd',
    });
    expect(res.status).toBe(200);
  });

  it('V1 sub-resources enter the CanonicalizedResource, plain params do not', async () => {
    const date = new Date().toUTCString();
    const sts = `GET\n\n\n${date}\nx-oss-date:${date}\nx-oss-security-token:${creds.securityToken}\n/${BUCKET}/`;
    const res = await raw(env.oss, {
      method: 'GET',
      path: `/${BUCKET}/?prefix=users%2Falice%2F&max-keys=5`,
      headers: {
        'x-oss-date': date,
        'x-oss-security-token': creds.securityToken,
        authorization: `OSS ${creds.accessKeyId}:${signV1(creds.accessKeySecret, sts)}`,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<ListBucketResult>');
  });

  it('a malformed Authorization header is InvalidArgument', async () => {
    const res = await raw(env.oss, { method: 'GET', path: `/${BUCKET}/users/alice/x`, headers: { authorization: 'Bearer abc' } });
    expect(res.status).toBe(400);
    expect(xmlCode(res.body)).toBe('InvalidArgument');
  });
});

describe('time', () => {
  it('a request more than 15 minutes off → 403 RequestTimeTooSkewed (V1 and V4)', async () => {
    for (const v4 of [false, true]) {
      const skewed = ossClient(env.oss, creds, { style: 'path', v4 }, { amendTimeSkewed: -16 * 60_000 });
      const err = await thrown(() => skewed.put('users/alice/skew.txt', Buffer.from('x')));
      expect(err.code).toBe('RequestTimeTooSkewed');
      expect(err.status).toBe(403);
      const within = ossClient(env.oss, creds, { style: 'path', v4 }, { amendTimeSkewed: 14 * 60_000 });
      expect((await within.put('users/alice/skew.txt', Buffer.from('x'))).res.status).toBe(200);
    }
  });

  it('an expired token → SecurityTokenExpired (emulator clock injected 2 h ahead)', async () => {
    const later = await startEnv({ clock: { now: () => Date.now() + 2 * 3600_000 } });
    try {
      const short = await later.token(userPolicy('alice'), undefined, 3600);
      // The client's clock agrees with the emulator's, so only the token's age matters.
      const client = ossClient(later.oss, short, { style: 'host', v4: true }, { amendTimeSkewed: 2 * 3600_000 });
      const err = await thrown(() => client.put('users/alice/late.txt', Buffer.from('x')));
      expect(err.code).toBe('SecurityTokenExpired');
      expect(err.status).toBe(403);
    } finally {
      await later.close();
    }
  });

  it('a token sealed with another key is InvalidSecurityToken', async () => {
    const forged = sealToken(
      {
        v: 1,
        accessKeyId: creds.accessKeyId,
        accessKeySecret: creds.accessKeySecret,
        roleArn: 'acs:ram::1:role/x',
        roleSessionName: 'alice',
        sessionPolicy: null,
        rolePolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] },
        expiresAt: Date.now() + 3600_000,
        issuedAt: Date.now(),
      },
      randomBytes(32),
    );
    const err = await thrown(() => ossClient(env.oss, { ...creds, securityToken: forged }).put('users/alice/f.txt', Buffer.from('x')));
    expect(err.code).toBe('InvalidSecurityToken');
  });
});

describe('session policy ∩ role policy', () => {
  it('a session policy wider than the role gets only the intersection', async () => {
    const wide = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: `acs:oss:*:*:${BUCKET}/*` }] };
    const narrowCreds = await env.token(wide, NARROW_ROLE);
    const client = ossClient(env.oss, narrowCreds, { style: 'path', v4: true });
    // Both allow: put under users/.
    expect((await client.put('users/carol/ok.txt', Buffer.from('ok'))).res.status).toBe(200);
    // The session allows, the role does not: the bucket root, and deletion.
    expect((await thrown(() => client.put('root.txt', Buffer.from('x')))).code).toBe('AccessDenied');
    expect((await thrown(() => client.delete('users/carol/ok.txt'))).code).toBe('AccessDenied');
    expect(env.oss.objects.get(BUCKET, 'users/carol/ok.txt')).toBeDefined();
  });

  it('the session policy narrows a wide role', async () => {
    const readOnly = {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:${BUCKET}/users/alice/*` }],
    };
    const ro = await env.token(readOnly);
    const err = await thrown(() => ossClient(env.oss, ro).put('users/alice/ro.txt', Buffer.from('x')));
    expect(err.code).toBe('AccessDenied');
  });

  it('acs:SourceIp and acs:SecureTransport conditions see the socket address and plain HTTP', async () => {
    const policy = (ip: string) => ({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'oss:PutObject',
          Resource: `acs:oss:*:*:${BUCKET}/users/alice/*`,
          Condition: { IpAddress: { 'acs:SourceIp': ip }, Bool: { 'acs:SecureTransport': 'false' } },
        },
      ],
    });
    const local = await env.token(policy('127.0.0.0/8'));
    expect((await ossClient(env.oss, local).put('users/alice/ip.txt', Buffer.from('x'))).res.status).toBe(200);
    const remote = await env.token(policy('10.0.0.0/8'));
    expect((await thrown(() => ossClient(env.oss, remote).put('users/alice/ip.txt', Buffer.from('x')))).code).toBe('AccessDenied');
  });
});
