/**
 * docs/local-mode.md's credentials-URL walk-through, run as written: the page's own `partner-upload.mjs` (read from
 * the page, saved in a directory that resolves the checkout's packages) and its shell commands, in bash, against
 * local mode on ephemeral ports. The real @alicloud/credentials URI provider fetches this run's credentials URL from
 * the broker, and ali-oss stores and lists through the OSS emulator, which refuses another partner's prefix.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET } from '../../dev/local/local-config.js';
import { type LocalStack, startLocalStack } from '../../dev/local/start-local.js';
import { markedBlock, ROOT } from './markdown.js';

const PAGE = 'docs/local-mode.md';
const script = markedBlock(PAGE, 'file: partner-upload.mjs');
const commands = markedBlock(PAGE, 'the credentials-URL walk-through');

const saved = { ...process.env };
let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  // The broker's STS identity comes from the credentials chain, which reads process.env (as in production).
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = `LTAIwalk${randomBytes(4).toString('hex')}`;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = randomBytes(24).toString('base64url');
  stack = await startLocalStack({
    ports: { broker: 0, sts: 0, oss: 0 },
    env: { ...process.env, REDIS_URL: '', LOCAL_PARTNER_API_KEY: '', LOG_LEVEL: 'silent' },
  });
  // "Save it as partner-upload.mjs in the checkout": a directory whose node_modules is the checkout's.
  dir = mkdtempSync(join(tmpdir(), 'docs-walk-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

/** The page's text with the default ports pointed at this stack. */
function onThisStack(text: string): string {
  return text
    .replace(/(?:localhost|127\.0\.0\.1):8080/g, `127.0.0.1:${new URL(stack.brokerUrl).port}`)
    .replace(/localhost:9200/g, `localhost:${stack.oss.port}`);
}

describe('the credentials-URL walk-through of docs/local-mode.md', () => {
  it("uploads and lists with the run's credentials URL, and the storage refuses another partner's prefix", async () => {
    writeFileSync(join(dir, 'partner-upload.mjs'), onThisStack(script.text));
    const bash = ['set -euo pipefail', onThisStack(commands.text)].join('\n');
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'bash',
        ['--norc', '--noprofile', '-c', bash],
        { cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } },
        // The output may hold nothing secret: the URL is only in the environment of the child.
        (error, out, err) => (error ? reject(new Error(`exit ${String(error.code)}\n${err}\n${out}`)) : resolve(out)),
      );
    });

    expect(stdout).toContain('stored: partners/partner1/report.csv');
    expect(stdout).toContain('partners/partner2/: AccessDenied');
    expect(stack.oss.objects.get(LOCAL_BUCKET, 'partners/partner1/report.csv')?.body.toString()).toBe('day,uploads\n1,42\n');
    expect(stack.oss.objects.get(LOCAL_BUCKET, 'partners/partner2/report.csv')).toBeUndefined();
  });

  it('GET /dev/credential-url answers the URL the banner prints, for partner-upload', async () => {
    const res = await fetch(`${stack.brokerUrl}/dev/credential-url`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { url: string; profile: string; prefix: string };
    expect(body).toEqual({ url: stack.credentialUrl.url, profile: 'partner-upload', prefix: 'partners/partner1/' });
    expect(body.url.startsWith(`${stack.brokerUrl}/v1/credentials/partner-upload?format=alibaba&credential=cu_`)).toBe(true);
  });
});
