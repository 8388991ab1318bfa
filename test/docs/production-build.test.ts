/**
 * docs/local-mode.md's "production build against local mode", run as written: its commands, read from the page, in
 * bash, in a copy of the checkout's build inputs (so `npm run build` writes a dist/ of its own), with `.local/`
 * written by local mode itself. The production entry point then answers a credentials request with a token from
 * the STS emulator, which it reaches over HTTPS trusting the CA file, signing with the AccessKey files.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBanner } from '../../dev/local/banner.js';
import { type LocalStack, startLocalStack } from '../../dev/local/start-local.js';
import { REDIS_URL } from '../helpers/broker.js';
import { freePort } from '../runtime/helpers.js';
import { markedBlock, ROOT } from './markdown.js';

const PAGE = 'docs/local-mode.md';
const start = markedBlock(PAGE, 'the production build against local mode');
const ask = markedBlock(PAGE, 'the production build answers');
/** tsc on two shared cores, then the app's start-up: slow under load; nothing here measures time. */
const BUILD_AND_START_MS = 240_000;

const saved = { ...process.env };
let stack: LocalStack;
let checkout: string;
let productionPort: number;
let production: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  checkout = mkdtempSync(join(tmpdir(), 'docs-prod-'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'openapi.yaml', 'src']) {
    cpSync(join(ROOT, file), join(checkout, file), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  // As `npm start` runs: no AccessKey in the environment, so local mode generates one and writes it to .local/.
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  productionPort = await freePort();
  stack = await startLocalStack({
    env: Object.assign(process.env, { REDIS_URL: '', LOCAL_PARTNER_API_KEY: '', LOG_LEVEL: 'silent' }),
    ports: { broker: 0, sts: 0, oss: 0, production: productionPort },
    stateDir: join(checkout, '.local'),
  });
});
afterAll(async () => {
  if (production?.pid !== undefined && production.exitCode === null) {
    const exited = new Promise((resolve) => production!.once('exit', resolve));
    process.kill(-production.pid, 'SIGTERM');
    await exited;
  }
  await stack?.close();
  if (checkout) rmSync(checkout, { recursive: true, force: true });
  process.env = saved;
});

/** The page's text with the default ports pointed at this run's listeners. */
function onThisRun(text: string): string {
  return text
    .replace(/(?:localhost|127\.0\.0\.1):8080/g, `127.0.0.1:${new URL(stack.brokerUrl).port}`)
    .replace(/(?:localhost|127\.0\.0\.1):8090/g, `127.0.0.1:${productionPort}`)
    .replace(/redis:\/\/127\.0\.0\.1:6379/g, REDIS_URL);
}

/** Only what a fresh terminal has: nothing of this test process's environment (no AccessKey, no NODE_OPTIONS). */
const shellEnv = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: checkout,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
});

function startedLine(): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const text of output.split('\n')) {
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        if (line.event === 'broker.started') resolve(line);
      }
    };
    production!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      check();
    });
    production!.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    production!.once('exit', (code) => reject(new Error(`the production build exited (${code}) first:\n${output.slice(-4000)}`)));
  });
}

describe('the production build against local mode, as docs/local-mode.md runs it', () => {
  it('local mode wrote the files the commands name, and git ignores them', async () => {
    const files = stack.stateFiles!;
    expect(files.dir).toBe(join(checkout, '.local'));
    expect(files.accessKeyIdFile).toBe(join(checkout, '.local', 'access-key-id'));
    for (const name of ['.local/production.yaml', '.local/sts-ca.pem', '.local/access-key-id', '.local/access-key-secret']) {
      expect(start.text).toContain(name);
    }
    const ignored = await new Promise<string>((resolve, reject) =>
      execFile('git', ['check-ignore', '--no-index', '.local/sts-ca.pem', '.local/production.yaml'], { cwd: ROOT }, (e, out) =>
        e ? reject(e) : resolve(out),
      ),
    );
    expect(ignored.trim().split('\n')).toEqual(['.local/sts-ca.pem', '.local/production.yaml']);
  });

  it("the banner prints the generated AccessKey, labelled as the local emulators' only", () => {
    const { accessKeyId, accessKeySecret, generated } = stack.accessKey;
    expect(generated).toBe(true);
    const banner = localBanner(stack);
    expect(banner).toContain('emulator AccessKey   LOCAL EMULATORS ONLY, generated for this run');
    expect(banner).toContain(`ALIBABA_CLOUD_ACCESS_KEY_ID=${accessKeyId}\n`);
    expect(banner).toContain(`ALIBABA_CLOUD_ACCESS_KEY_SECRET='${accessKeySecret}'\n`);
  });

  it('npm run build && npm run start:prod serves credentials from the STS emulator', { timeout: BUILD_AND_START_MS + 60_000 }, async () => {
    production = spawn('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail\n${onThisRun(start.text)}`], {
      cwd: checkout,
      env: shellEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, then node; afterAll stops them together
    });
    const started = await Promise.race([
      startedLine(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`not started in time:\n${output.slice(-4000)}`)), BUILD_AND_START_MS).unref(),
      ),
    ]);
    expect(started.port).toBe(productionPort);
    expect(output).toContain('"event":"credentials.source"');

    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'bash',
        [
          '--norc',
          '--noprofile',
          '-c',
          `set -euo pipefail\ncurl() { command curl --fail-with-body --show-error "$@"; }\n${onThisRun(ask.text)}`,
        ],
        { cwd: checkout, env: shellEnv(), timeout: 60_000 },
        (error, out, err) => (error ? reject(new Error(`exit ${String(error.code)}\n${err}\n${out}`)) : resolve(out)),
      );
    });
    const answer = JSON.parse(stdout) as { credentials: { accessKeyId: string }; upload: { prefix: string; endpoint: string } };
    expect(answer.credentials.accessKeyId).toMatch(/^STS\./);
    expect(answer.upload).toMatchObject({ prefix: 'uploads/acme/cli/', endpoint: `http://localhost:${stack.oss.port}` });
    // Issued by the emulator for the production process, signed with the AccessKey local mode wrote out.
    expect(stack.sts.stats.byCode.Success).toBeGreaterThanOrEqual(1);
  });
});
