/**
 * The operator tools as the documentation shows them (every `npx tsx src/cli/new-*.ts` command of README.md and
 * docs/*.md), run as written: each prints a secret once and a configuration entry; the entry, put where the tool
 * says into deploy/config.example.yaml, passes the broker's own loader, and the printed secret then authenticates.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createApiKeyAuthenticator, createCredentialUrlAuthenticator } from '../../src/auth/index.js';
import type { ApiKeyClientConfig } from '../../src/config/schema.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { documentationPages, ROOT } from './markdown.js';
import { shellCommands } from './shell.js';

const documented = documentationPages().flatMap((page) =>
  page.blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => shellCommands(b.text))
    .filter((c) => c.words[0] === 'npx' && c.words[1] === 'tsx' && /^src\/cli\/new-[\w-]+\.ts$/.test(c.words[2] ?? ''))
    .map((c) => ({ page: page.path, words: c.words })),
);

/** The secret line (indented, after the first line) and the YAML entry after "...configuration:". */
function printed(stdout: string): { secret: string; entry: Record<string, unknown> } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.endsWith('configuration:'));
  expect(at, stdout).toBeGreaterThan(0);
  const entries = parseYaml(lines.slice(at + 1).join('\n')) as Array<Record<string, unknown>>;
  expect(entries).toHaveLength(1);
  return { secret: lines[1]!.trim(), entry: entries[0]! };
}

/** deploy/config.example.yaml with its partner client's keys or URLs replaced, and the secrets production reads. */
function exampleWith(patch: (partner: Record<string, unknown>) => void) {
  type Section = Record<string, unknown>;
  const raw = parseYaml(readFileSync(join(ROOT, 'deploy/config.example.yaml'), 'utf8')) as Section & {
    clients: Section[];
    redis: Section;
    cache: Section;
    uploads: Section;
  };
  patch(raw.clients.find((c) => c.type === 'apiKey')!);
  return parseConfig({
    ...raw,
    redis: { ...raw.redis, url: 'redis://127.0.0.1:6379' },
    cache: { ...raw.cache, encryptionKey: randomBytes(32).toString('base64') },
    uploads: { ...raw.uploads, grantKey: randomBytes(32).toString('base64') },
  });
}

describe('the documented operator tools', () => {
  it('are found: an API key and a credentials URL', () => {
    expect(documented.map((d) => d.words[2]).sort()).toEqual(['src/cli/new-api-key.ts', 'src/cli/new-credential-url.ts']);
  });

  it.each(documented.map((d) => [`${d.page}: ${d.words.join(' ')}`, d.words] as const))(
    '%s prints an entry the configuration accepts and a secret that then authenticates',
    { timeout: 60_000 },
    async (_, words) => {
      const { stdout } = await promisify(execFile)(words[0]!, words.slice(1), { cwd: ROOT, timeout: 50_000 });
      const { secret, entry } = printed(stdout);
      if (words[2] === 'src/cli/new-api-key.ts') {
        const config = exampleWith((partner) => {
          partner.keys = [entry];
        });
        const clients = config.clients.filter((c): c is ApiKeyClientConfig => c.type === 'apiKey');
        expect(createApiKeyAuthenticator(clients).authenticate(secret)).toMatchObject({ kind: 'partner', subject: words[3] });
      } else {
        const url = new URL(secret.replace('<broker>', 'broker.example.com'));
        const profile = url.pathname.split('/').at(-1)!;
        expect(profile).toBe(words[3]);
        const config = exampleWith((partner) => {
          partner.credentialUrls = [entry];
        });
        const principal = createCredentialUrlAuthenticator(config).authenticate(url.searchParams.get('credential')!, profile);
        expect(principal).toMatchObject({ kind: 'partner', subject: words[4] });
      }
    },
  );
});
