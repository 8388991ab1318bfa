/**
 * The local-mode contract (README.md, "Local mode") as a script would use it: /dev/token, the `uploads` and
 * `partner-read` profiles, LOCAL_PARTNER_API_KEY, the in-memory store or REDIS_URL, and an upload with ali-oss to
 * the local OSS emulator using the vended credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import OSS from 'ali-oss';
import { localBanner } from '../../../dev/local/banner.js';
import { startLocalStack, type LocalStack } from '../../../dev/local/start-local.js';
import { ConfigError } from '../../../src/config/index.js';
import { worstCasePolicySize } from '../../../src/policy/index.js';
import { REDIS_URL } from '../../helpers/broker.js';

// The broker's STS identity comes from the credentials chain, which reads process.env (as in production).
const accessKey = { id: `LTAIlocaltest${randomBytes(4).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
// Shell-special characters in the secret (allowed: visible ASCII): the banner's command must still paste as is.
const partnerKey = `pk_local_test.${randomBytes(24).toString('base64url')}'$HOME"\`x`;
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

const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((p) => existsSync(p));
if (!hasCurl) console.warn('local-mode.test: no curl on this machine, so the banner commands are not run in a shell');

/**
 * Runs the banner's partner `curl` command as printed, in bash with a bare environment, and parses its answer.
 * Asynchronously: the broker answering it runs in this process.
 */
interface PartnerAnswer {
  credentials?: { accessKeyId?: string };
  upload?: { prefix?: string };
}

async function pasteBannerPartnerCommand(of: LocalStack): Promise<PartnerAnswer> {
  const lines = localBanner(of).split('\n');
  const at = lines.findIndex((l) => l.includes('x-api-key'));
  expect(at).toBeGreaterThan(0);
  expect(lines[at]).not.toContain('$LOCAL_PARTNER_API_KEY');
  const command = `${lines[at]}\n${lines[at + 1]}`;
  // On failure, report the exit code only: the command holds the partner key.
  const { stdout } = await promisify(execFile)('bash', ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }).catch(
    (error: { code?: unknown }) => {
      throw new Error(`the banner's partner command failed (exit ${String(error.code)})`);
    },
  );
  return JSON.parse(stdout) as PartnerAnswer;
}

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

  it.skipIf(!hasCurl)("the banner's partner command works pasted into a shell, the key written out (quoted)", async () => {
    const answer = await pasteBannerPartnerCommand(stack);
    expect(answer.credentials?.accessKeyId).toMatch(/^STS\./);
    expect(answer.upload?.prefix).toBe('partners/partner1/');
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
      // The generated key is not in any environment variable: the banner's command carries it.
      if (hasCurl) expect((await pasteBannerPartnerCommand(other)).credentials?.accessKeyId).toMatch(/^STS\./);
    } finally {
      await other.close();
    }
  });
});

describe('what local mode gives a second process', () => {
  it('with the AccessKey from the environment: writes the CA and the configuration, and neither prints nor writes the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-state-'));
    const state = join(dir, '.local');
    // A previous run's generated key would no longer be accepted: it must not be left for the recipe to read.
    mkdirSync(state);
    writeFileSync(join(state, 'access-key-id'), 'LTAIstale');
    writeFileSync(join(state, 'access-key-secret'), 'stale');
    const other = await startLocalStack({
      ports: { broker: 0, sts: 0, oss: 0 },
      env: { ...process.env, REDIS_URL: '', LOG_LEVEL: 'silent' },
      stateDir: state,
    });
    try {
      expect(other.accessKey).toMatchObject({ accessKeyId: accessKey.id, generated: false });
      expect(readdirSync(state).sort()).toEqual(['dev-jwks.json', 'production.yaml', 'sts-ca.pem']);
      expect(readFileSync(join(state, 'sts-ca.pem'), 'utf8')).toBe(other.sts.ca);
      const banner = localBanner(other);
      expect(banner).not.toContain(accessKey.secret);
      expect(banner).toContain('emulator AccessKey   from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET');
      // The banner names the folder relative to where `npm start` runs (the checkout), as a reader would type it.
      expect(banner).toContain(`  ${relative(process.cwd(), state)}/ (git-ignored): sts-ca.pem = the STS emulator's CA`);
      expect(banner).toContain(other.credentialUrl.url);
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mints a credentials URL for partner-upload that the broker accepts, and prints it', async () => {
    expect(localBanner(stack)).toContain(stack.credentialUrl.url);
    const res = await fetch(stack.credentialUrl.url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { AccessKeyId: string }).AccessKeyId).toMatch(/^STS\./);
    const withoutFormat = await fetch(stack.credentialUrl.url.replace('format=alibaba&', ''));
    const answer = (await withoutFormat.json()) as { upload: { prefix: string; operations: string[] } };
    expect(answer.upload).toMatchObject({ prefix: 'partners/partner1/', operations: ['put', 'multipart', 'get', 'list'] });
  });
});

describe('the team profile in local mode', () => {
  it('mints a token with groups, and the token reaches a folder per group and the shared folder read-only', async () => {
    const { body } = await json('/dev/token', { body: { sub: 'alice', tenant: 'acme', groups: ['design', 'ops'] } });
    const vend = await json('/v1/credentials', { headers: { authorization: `Bearer ${body.token}` }, body: { profile: 'team' } });
    expect(vend.status).toBe(200);
    expect(vend.body.upload.prefix).toBe('home/acme/alice/');
    expect(vend.body.upload.areas).toEqual([
      { prefix: 'teams/acme/design/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'teams/acme/ops/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'shared/acme/', operations: ['get', 'list'] },
    ]);
    const client = new OSS({
      endpoint: vend.body.upload.endpoint,
      sldEnable: true,
      bucket: vend.body.upload.bucket,
      region: `oss-${vend.body.upload.region}`,
      accessKeyId: vend.body.credentials.accessKeyId,
      accessKeySecret: vend.body.credentials.accessKeySecret,
      stsToken: vend.body.credentials.securityToken,
    } as OSS.Options);
    await client.put('teams/acme/ops/plan.txt', Buffer.from('plan'));
    await expect(client.put('teams/acme/finance/plan.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(client.put('shared/acme/notice.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('refuses more groups than the profile uses with too_many_claim_values', async () => {
    const groups = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { body } = await json('/dev/token', { body: { sub: 'alice', tenant: 'acme', groups } });
    const vend = await json('/v1/credentials', { headers: { authorization: `Bearer ${body.token}` }, body: { profile: 'team' } });
    expect({ status: vend.status, code: vend.body.code }).toEqual({ status: 403, code: 'too_many_claim_values' });
  });

  it('has the worst-case session policy the configuration comment gives (1,648 of 2,048 bytes)', () => {
    const team = stack.config.profiles.team;
    expect(team).toBeDefined();
    expect(worstCasePolicySize('team', team!)).toBe(1648);
  });
});

describe('the admin API in local mode', () => {
  it('is served on its own loopback port with the banner key, and not on the broker port', async () => {
    expect(stack.adminKeyGenerated).toBe(true);
    expect(localBanner(stack)).toContain(stack.adminUrl);
    expect(localBanner(stack)).toContain(stack.adminKey);
    const auth = { authorization: `Bearer ${stack.adminKey}` };
    const listed = await fetch(`${stack.adminUrl}/admin/v1/revocations`, { headers: auth });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([]);
    expect((await fetch(`${stack.adminUrl}/admin/v1/revocations`)).status).toBe(401);
    expect((await fetch(`${stack.brokerUrl}/admin/v1/revocations`, { headers: auth })).status).toBe(404);
  });
});
