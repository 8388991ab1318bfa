/**
 * The production entry point (src/main.ts) with its cache key in KMS, as an operator runs it: BROKER_CACHE_KEY_KMS_SECRET
 * names the secret, `kms.endpoint` the KMS emulator, the identity comes from the credentials chain, and the emulator's
 * one-run CA from NODE_EXTRA_CA_CERTS: the broker's own reader (the official SDK, certificate verified) in a process
 * of its own. Start-up fails closed; SIGHUP refreshes; a rotation keeps the cached token; a failed refresh keeps
 * the last good key. Real Redis, the STS and KMS emulators.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startKmsEmulator, type KmsEmulator } from '../../dev/emulator/kms/index.js';
import { startStsEmulator, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { generateApiKey } from '../../src/auth/index.js';
import { deleteByPrefix, rawClient, REDIS_URL, uniquePrefix } from '../store/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const ROLE = 'acs:ram::1234567890123456:role/kms-entry-partner';
const ENTRY = [process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main.ts')]] as const;
/** Starting tsx and the whole app on two shared cores can take a while; nothing here measures time. */
const TIMEOUT_MS = 90_000;
const CACHE_SECRET = 'oss-sts-broker/cache-key';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const work = mkdtempSync(path.join(tmpdir(), 'osb-kms-entry-'));
const keyPrefix = uniquePrefix('kmsentry');
const accessKey = { accessKeyId: `LTAIkmsentry${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
const partner = generateApiKey('pk_kms_entry');
const caFile = path.join(work, 'ca.pem');
let sts: StsEmulator;
let kms: KmsEmulator;

function run(env: Record<string, string>): Running {
  const child = spawn(ENTRY[0], ENTRY[1], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  children.push(child);
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the first JSON log line that matches, or rejects when the process exits first. */
function logLine(running: Running, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const text of running.stdout().split('\n')) {
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        if (match(line)) {
          running.child.stdout!.off('data', check);
          resolve(line);
          return;
        }
      }
    };
    running.child.stdout!.on('data', check);
    void running.exited.then(({ code }) => reject(new Error(`exited (${code}) first; stderr: ${running.stderr()}`)));
    check();
  });
}

function configFile(): string {
  const file = path.join(work, 'config.yaml');
  writeFileSync(
    file,
    toYaml({
      server: { host: '127.0.0.1', port: 0 },
      clients: [{ id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: partner.keyId, sha256: partner.sha256 }] }],
      profiles: {
        'partner-read': {
          bucket: 'kms-entry-bucket',
          region: 'cn-hangzhou',
          roleArn: ROLE,
          prefix: 'partners/${tenant}/',
          operations: ['get', 'list'],
          durationSeconds: 900,
          clients: ['partner'],
        },
      },
      sts: { endpoint: sts.endpoint, timeoutMs: 4000 },
      kms: { endpoint: kms.endpoint, refreshSeconds: 3600 },
      redis: { keyPrefix },
      // Every cache hit reads the sealed token from Redis and has to open it with the keys it holds.
      cache: { l1MaxEntries: 0 },
      logLevel: 'info',
    }),
  );
  return file;
}

function env(extra: Record<string, string>): Record<string, string> {
  return {
    BROKER_CONFIG: configFile(),
    BROKER_REDIS_URL: REDIS_URL,
    NODE_EXTRA_CA_CERTS: caFile,
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.accessKeySecret,
    ...extra,
  };
}

async function vend(base: string): Promise<{ status: number; accessKeyId?: string; cached?: boolean }> {
  const res = await fetch(`${base}/v1/credentials`, {
    method: 'POST',
    headers: { 'x-api-key': partner.header, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'partner-read' }),
  });
  const body = (await res.json()) as { credentials?: { accessKeyId?: string }; cached?: boolean };
  return { status: res.status, accessKeyId: body.credentials?.accessKeyId, cached: body.cached };
}

beforeAll(async () => {
  sts = await startStsEmulator({
    accessKeys: [accessKey],
    roles: [{ arn: ROLE, maxSessionDurationSeconds: 3600 }],
    sealKey: randomBytes(32),
  });
  kms = await startKmsEmulator({ accessKeys: [accessKey] });
  writeFileSync(caFile, `${sts.ca.trim()}\n${kms.ca.trim()}\n`);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sts?.close();
  await kms?.close();
  const redis = rawClient();
  try {
    await deleteByPrefix(redis, keyPrefix);
  } finally {
    redis.disconnect();
  }
  rmSync(work, { recursive: true, force: true });
});

describe('the production entry point with secrets in KMS', () => {
  it(
    'does not start when a KMS secret cannot be read, and says which one',
    async () => {
      const running = run(env({ BROKER_CACHE_KEY_KMS_SECRET: 'oss-sts-broker/no-such-secret' }));
      const { code } = await running.exited;
      expect(code).toBe(1);
      expect(running.stderr().trim()).toContain(
        'BROKER_CACHE_KEY_KMS_SECRET: cannot read KMS secret "oss-sts-broker/no-such-secret": Forbidden.ResourceNotFound',
      );
      expect(running.stdout()).not.toContain('broker.started');
    },
    TIMEOUT_MS,
  );

  it(
    'reads the cache key from KMS over verified HTTPS; after a rotation and SIGHUP the token cached before is still served',
    async () => {
      const firstKey = kms.rotateKey(CACHE_SECRET);
      const running = run(env({ BROKER_CACHE_KEY_KMS_SECRET: CACHE_SECRET }));
      const started = await logLine(running, (l) => l.event === 'broker.started');
      const loaded = await logLine(running, (l) => l.event === 'secrets.loaded');
      expect(loaded).toMatchObject({ secret: 'BROKER_CACHE_KEY', kmsSecret: CACHE_SECRET, versionId: 'v1' });
      const base = `http://127.0.0.1:${String(started.port)}`;

      const issued = await vend(base);
      expect(issued).toMatchObject({ status: 200, cached: false });

      const secondKey = kms.rotateKey(CACHE_SECRET);
      running.child.kill('SIGHUP');
      const rotated = await logLine(running, (l) => l.event === 'secrets.rotated');
      expect(rotated).toMatchObject({ secret: 'BROKER_CACHE_KEY', versionId: 'v2', previousVersionId: 'v1' });
      const afterRotation = await vend(base);
      expect(afterRotation).toEqual({ status: 200, cached: true, accessKeyId: issued.accessKeyId });

      // KMS failing: the refresh keeps the last good versions, says so, and requests are still served.
      kms.failNext(2, { status: 503, code: 'ServiceUnavailable' });
      running.child.kill('SIGHUP');
      const failed = await logLine(running, (l) => l.event === 'secrets.refresh.failed');
      expect(failed).toMatchObject({ secret: 'BROKER_CACHE_KEY', kmsSecret: CACHE_SECRET, reason: 'ServiceUnavailable' });
      expect(await vend(base)).toEqual({ status: 200, cached: true, accessKeyId: issued.accessKeyId });
      expect(sts.stats.byCode.Success).toBe(1);

      running.child.kill('SIGTERM');
      expect(await running.exited).toEqual({ code: 0, signal: null });
      const output = running.stdout() + running.stderr();
      for (const secret of [firstKey, secondKey, accessKey.accessKeySecret]) expect(output).not.toContain(secret);
    },
    TIMEOUT_MS,
  );
});
