/**
 * The production entry point (src/main.ts, what `node dist/main.js` runs) as a process of its own, configured the
 * way an operator does it: BROKER_CONFIG names a YAML file, secrets come from the environment, the AccessKey from
 * the credentials chain, and the STS emulator's one-run CA from the standard NODE_EXTRA_CA_CERTS (production code
 * has no other way to trust it, and no way to reach STS without TLS). Real Redis, the real SDK, a real signal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startStsEmulator, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { generateApiKey } from '../../src/auth/index.js';
import { deleteByPrefix, rawClient, REDIS_URL, uniquePrefix } from '../store/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const PARTNER_ROLE = 'acs:ram::1234567890123456:role/entry-partner';
/** tsx's loader under the current node: the same source `npm run build` compiles to dist/main.js. */
const ENTRY = [process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main.ts')]] as const;
/** Starting tsx and the whole app on two shared cores can take a while; nothing here measures time. */
const START_TIMEOUT_MS = 60_000;

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Only what the process needs: nothing from this test process's environment leaks in (no PORT, no NODE_OPTIONS). */
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

const children: ChildProcess[] = [];
const work = mkdtempSync(path.join(tmpdir(), 'osb-entry-'));
const keyPrefix = uniquePrefix('entry');
const accessKey = { accessKeyId: `LTAIentry${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
const partner = generateApiKey('pk_entry');
let emulator: StsEmulator;

beforeAll(async () => {
  emulator = await startStsEmulator({
    accessKeys: [accessKey],
    roles: [{ arn: PARTNER_ROLE, maxSessionDurationSeconds: 3600 }],
    sealKey: randomBytes(32),
    caFile: path.join(work, 'sts-ca.pem'),
  });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await emulator?.close();
  const redis = rawClient();
  try {
    await deleteByPrefix(redis, keyPrefix);
  } finally {
    redis.disconnect();
  }
  rmSync(work, { recursive: true, force: true });
});

describe('the production entry point', () => {
  it(
    'without BROKER_CONFIG exits non-zero with exactly one line on stderr',
    async () => {
      const running = run({});
      const { code } = await running.exited;
      expect(code).not.toBe(0);
      expect(running.stdout()).toBe('');
      const lines = running.stderr().split('\n');
      expect(lines).toEqual([expect.stringContaining('BROKER_CONFIG is not set'), '']);
    },
    START_TIMEOUT_MS,
  );

  it(
    'from a config file and the environment, vends a credential end to end over HTTPS, then stops on SIGTERM',
    async () => {
      const configFile = path.join(work, 'config.yaml');
      writeFileSync(
        configFile,
        toYaml({
          server: { host: '127.0.0.1', port: 0 },
          clients: [{ id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: partner.keyId, sha256: partner.sha256 }] }],
          profiles: {
            'partner-read': {
              bucket: 'entry-bucket',
              region: 'cn-hangzhou',
              roleArn: PARTNER_ROLE,
              prefix: 'partners/${tenant}/',
              operations: ['get', 'list'],
              durationSeconds: 900,
              clients: ['partner'],
            },
          },
          sts: { endpoint: emulator.endpoint, timeoutMs: 4000 },
          redis: { keyPrefix },
          logLevel: 'info',
        }),
      );
      const running = run({
        BROKER_CONFIG: configFile,
        BROKER_REDIS_URL: REDIS_URL,
        BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
        NODE_EXTRA_CA_CERTS: path.join(work, 'sts-ca.pem'),
        ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.accessKeySecret,
      });
      const started = await logLine(running, (l) => l.event === 'broker.started');
      const base = `http://127.0.0.1:${String(started.port)}`;

      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const res = await fetch(`${base}/v1/credentials`, {
        method: 'POST',
        headers: { 'x-api-key': partner.header, 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'partner-read' }),
      });
      const body = (await res.json()) as { credentials: Record<string, string>; upload: Record<string, unknown> };
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(body.credentials.accessKeyId).toMatch(/^STS\./);
      expect(body.upload).toMatchObject({ bucket: 'entry-bucket', prefix: 'partners/partner1/' });
      // The emulator issued it: one AssumeRole, over TLS, signed with the AccessKey from the environment.
      expect(emulator.stats.byCode.Success).toBe(1);

      running.child.kill('SIGTERM');
      const exit = await running.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      await logLine(running, (l) => l.event === 'broker.stopping' && l.signal === 'SIGTERM');
      const output = running.stdout() + running.stderr();
      for (const secret of [
        body.credentials.accessKeySecret!,
        body.credentials.securityToken!,
        accessKey.accessKeySecret,
        partner.header,
      ]) {
        expect(output).not.toContain(secret);
      }
    },
    START_TIMEOUT_MS,
  );
});
