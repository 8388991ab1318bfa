/**
 * The local-mode contract (DESIGN.md, "Local mode") as a script would use it: /dev/token, the `uploads` and
 * `partner-read` profiles, LOCAL_PARTNER_API_KEY, the in-memory store or REDIS_URL, and an upload with ali-oss to
 * the local OSS emulator using the vended credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import OSS from 'ali-oss';
import { startLocalStack, type LocalStack } from '../../../dev/local/start-local.js';
import { ConfigError } from '../../../src/config/index.js';
import { REDIS_URL } from '../../helpers/broker.js';

// The broker's STS identity comes from the credentials chain, which reads process.env (as in production).
const accessKey = { id: `LTAIlocaltest${randomBytes(4).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
const partnerKey = `pk_local_test.${randomBytes(24).toString('base64url')}`;
const saved = { ...process.env };
let stack: LocalStack;

beforeAll(async () => {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = accessKey.id;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = accessKey.secret;
  stack = await startLocalStack({
    ports: { broker: 0, sts: 0, oss: 0 },
    env: { ...process.env, LOCAL_PARTNER_API_KEY: partnerKey, REDIS_URL: '', LOG_LEVEL: 'silent' },
  });
});
afterAll(async () => {
  await stack?.close();
  process.env = saved;
});

async function json(path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(`${stack.brokerUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(init.body ?? {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('local mode', () => {
  it('mints a development JWT and vends uploads credentials that ali-oss can use against the local OSS emulator', async () => {
    expect(stack.store.kind).toBe('memory');
    const { status, body } = await json('/dev/token', { body: { sub: 'alice', tenant: 'acme' } });
    expect(status).toBe(200);
    expect(body.token.split('.')).toHaveLength(3);
    const vend = await json('/v1/credentials', {
      headers: { authorization: `Bearer ${body.token}` },
      body: { profile: 'uploads', files: [{ name: 'hello.txt', size: 5, contentType: 'text/plain' }] },
    });
    expect(vend.status).toBe(200);
    expect(vend.body.upload.prefix).toBe('uploads/acme/alice/');
    expect(vend.body.upload.operations).toEqual(['put', 'multipart']);
    const client = new OSS({
      endpoint: vend.body.upload.endpoint,
      sldEnable: true,
      bucket: vend.body.upload.bucket,
      region: `oss-${vend.body.upload.region}`,
      accessKeyId: vend.body.credentials.accessKeyId,
      accessKeySecret: vend.body.credentials.accessKeySecret,
      stsToken: vend.body.credentials.securityToken,
    } as OSS.Options);
    await client.put('uploads/acme/alice/hello.txt', Buffer.from('hello'));
    expect(stack.oss.objects.get(vend.body.upload.bucket, 'uploads/acme/alice/hello.txt')?.body.toString()).toBe('hello');
    await expect(client.put('uploads/acme/bob/hello.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('accepts the partner key from LOCAL_PARTNER_API_KEY for partner-read, scoped to tenant partner1', async () => {
    expect(stack.partnerKeyGenerated).toBe(false);
    const vend = await json('/v1/credentials', { headers: { 'x-api-key': partnerKey }, body: { profile: 'partner-read' } });
    expect(vend.status).toBe(200);
    expect(vend.body.upload.prefix).toBe('partners/partner1/');
    expect(vend.body.upload.operations).toEqual(['get', 'list']);
    const wrongProfile = await json('/v1/credentials', { headers: { 'x-api-key': partnerKey }, body: { profile: 'uploads' } });
    expect(wrongProfile.body.code).toBe('forbidden');
  });

  it('refuses a malformed LOCAL_PARTNER_API_KEY at start-up, naming the variable', async () => {
    await expect(
      startLocalStack({
        ports: { broker: 0, sts: 0, oss: 0 },
        env: { ...process.env, LOCAL_PARTNER_API_KEY: 'no dot', LOG_LEVEL: 'silent' },
      }),
    ).rejects.toSatisfy((e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith('LOCAL_PARTNER_API_KEY:'));
  });

  it('generates a partner key when none is given, and uses Redis when REDIS_URL is set', async () => {
    const other = await startLocalStack({
      ports: { broker: 0, sts: 0, oss: 0 },
      env: { ...process.env, LOCAL_PARTNER_API_KEY: '', REDIS_URL, LOG_LEVEL: 'silent' },
    });
    try {
      expect(other.partnerKeyGenerated).toBe(true);
      expect(other.store.kind).toBe('redis');
      const res = await fetch(`${other.brokerUrl}/v1/credentials`, {
        method: 'POST',
        headers: { 'x-api-key': other.partnerApiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'partner-read', dryRun: true }),
      });
      expect(res.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
