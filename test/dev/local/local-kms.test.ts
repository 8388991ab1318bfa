/**
 * `LOCAL_KMS=1 npm start`: local mode reads its cache key and grant key from the KMS emulator through the broker's own
 * KMS reader, with the certificate verified (the entry runs itself again trusting the emulator's CA).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const PARTNER_KEY = 'pk_localkms.local-kms-test-secret';

const stateDir = mkdtempSync(path.join(tmpdir(), 'local-kms-state-'));

describe('local mode with LOCAL_KMS=1', () => {
  it('reads both keys from the KMS emulator, serves requests, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'dev', 'local', 'main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LOCAL_KMS: '1',
        PORT: '0',
        LOCAL_STS_PORT: '0',
        LOCAL_OSS_PORT: '0',
        LOCAL_KMS_PORT: '0',
        // Not the checkout's .local/, which a developer's own `npm start` may be using.
        LOCAL_STATE_DIR: stateDir,
        LOCAL_PARTNER_API_KEY: PARTNER_KEY,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The banner and the log lines (written asynchronously) may come in either order: wait for both.
    const ready = () => /Try it:/.test(stdout) && (stdout.match(/"event":"secrets\.loaded"/g) ?? []).length === 2;
    const banner = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        if (ready()) resolve(stdout);
      });
      void exited.then((code) => reject(new Error(`exited (${code}) first; stderr: ${stderr}`)));
    });
    try {
      expect(banner).toMatch(/KMS emulator {3}https:\/\/127\.0\.0\.1:\d+ {3}cache key and grant key read from it/);
      const loaded = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.event === 'secrets.loaded')
        .map((l) => [l.secret, l.kmsSecret, l.versionId]);
      expect(loaded.sort()).toEqual([
        ['BROKER_CACHE_KEY', 'oss-sts-broker/local/cache-key', 'v1'],
        ['BROKER_GRANT_KEY', 'oss-sts-broker/local/grant-key', 'v1'],
      ]);
      const broker = /broker {9}(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const res = await fetch(`${broker}/v1/credentials`, {
        method: 'POST',
        headers: { 'x-api-key': PARTNER_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'partner-read' }),
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(path.join(stateDir, 'sts-ca.pem'))).toBe(true);
    rmSync(stateDir, { recursive: true, force: true });
  }, 90_000);
});
