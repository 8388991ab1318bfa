/**
 * The documentation's local-mode commands and its form snippet, run against local mode (the stack `npm start`
 * starts, on ephemeral ports). A shell block runs when it calls the local broker, or only works on what such a call
 * answered (curl to a URL an answer gave, jq, sed): each page's blocks run in bash, in page order, in a directory
 * holding the `me.png` they upload, with `localhost:8080` pointed at the stack and curl failing on any HTTP error.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET } from '../../dev/local/local-config.js';
import { type LocalStack, startLocalStack } from '../../dev/local/start-local.js';
import { documentationPages } from './markdown.js';
import { SUBST, shellCommands } from './shell.js';

type UploadWithForm = (options: { broker: string; profile: string; idToken: string; file: File }) => Promise<{ key: string; size: number }>;
const SNIPPET = '../clients/snippets/form-upload.mjs';

const LOCAL_BROKER = /(?:localhost|127\.0\.0\.1):8080/g;
const RUNNABLE_PROGRAMS = new Set(['curl', 'jq', 'sed']);

/** Client commands aimed at the local broker (a production host, npm, docker... keep a block out). */
function runsLocally(text: string): boolean {
  const commands = shellCommands(text).filter((c) => c.words.length > 0);
  const curls = commands.filter((c) => c.words[0] === 'curl');
  return (
    curls.length > 0 &&
    commands.every((c) => RUNNABLE_PROGRAMS.has(c.words[0]!)) &&
    curls.every((c) => c.words.some((w) => new RegExp(LOCAL_BROKER.source).test(w) || w.startsWith(SUBST)))
  );
}

const scripts = documentationPages()
  .map((page) => ({ page: page.path, blocks: page.blocks.filter((b) => b.lang === 'sh' && runsLocally(b.text)) }))
  .filter((p) => p.blocks.length > 0);

/** What each page's commands must have answered, besides running without an HTTP error. */
const SHOWS: Record<string, string[]> = {
  'README.md': ['"prefix":"uploads/acme/cli/"', '"refreshAfter"'],
  'docs/api.md': ['"size":48211'],
  'docs/local-mode.md': ['"roleSessionName":"alice@acme"'],
};

const saved = { ...process.env };
let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  // The broker's STS identity comes from the credentials chain, which reads process.env (as in production).
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = `LTAIdocs${randomBytes(4).toString('hex')}`;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = randomBytes(24).toString('base64url');
  stack = await startLocalStack({
    ports: { broker: 0, sts: 0, oss: 0 },
    env: { ...process.env, REDIS_URL: '', LOCAL_PARTNER_API_KEY: '', LOG_LEVEL: 'silent' },
  });
  dir = mkdtempSync(join(tmpdir(), 'docs-run-'));
  writeFileSync(join(dir, 'me.png'), randomBytes(48211));
});
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

describe('the local-mode commands of the documentation', () => {
  it('are found where expected', () => {
    expect(scripts.map((s) => s.page).sort()).toEqual(Object.keys(SHOWS).sort());
  });

  it.each(scripts.map((s) => [s.page, s] as const))('%s: its commands run against local mode', async (page, { blocks }) => {
    const port = new URL(stack.brokerUrl).port;
    const script = [
      'set -euo pipefail',
      'curl() { command curl --fail-with-body --show-error "$@"; }',
      ...blocks.map((b) => b.text.replace(LOCAL_BROKER, `127.0.0.1:${port}`)),
    ].join('\n');
    const token = await stack.issuer.issue({ sub: 'alice', tenant: 'acme' });
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile(
        'bash',
        ['--norc', '--noprofile', '-c', script],
        { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TOKEN: token } },
        (error, out, err) => (error ? reject(new Error(`${page}: exit ${String(error.code)}\n${err}\n${out}`)) : resolve({ stdout: out })),
      );
    });
    for (const shown of SHOWS[page] ?? []) expect(stdout).toContain(shown);
  });
});

describe('the form snippet of docs/clients.md', () => {
  it('uploads a file the storage keeps under a name the broker chose, and the callback counts its bytes', async () => {
    const { uploadWithForm } = (await import(/* @vite-ignore */ SNIPPET)) as { uploadWithForm: UploadWithForm };
    const idToken = await stack.issuer.issue({ sub: 'bob', tenant: 'acme' });
    const bytes = randomBytes(1234);
    const file = new File([bytes], 'photo.png', { type: 'image/png' });

    const stored = await uploadWithForm({ broker: stack.brokerUrl, profile: 'forms', idToken, file });

    expect(stored.key).toMatch(/^forms\/acme\/bob\/[0-9a-f]{32}\.png$/);
    expect(stored.size).toBe(1234);
    expect(stack.oss.objects.get(LOCAL_BUCKET, stored.key)?.body.equals(bytes)).toBe(true);
    const usage = await fetch(`${stack.brokerUrl}/v1/usage?profile=forms`, { headers: { authorization: `Bearer ${idToken}` } });
    expect(((await usage.json()) as { bytes: Array<{ usedBytes: number }> }).bytes[0]?.usedBytes).toBe(1234);
  });
});
