/**
 * Configuration fixtures: the smallest configuration the schema accepts, as an operator writes it (before parsing),
 * for tests that change one part of it, and temp files to load configurations and secrets from.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: tests patch configurations freely; the schema then validates them
export type RawConfig = Record<string, any>;

/** A fresh 32-byte key, base64 (cache.encryptionKey, uploads.grantKey). */
export const randomKey = (): string => randomBytes(32).toString('base64');

/**
 * One OIDC client `web` (tenant fixed to `acme`), one profile `uploads` it may use (put under
 * uploads/${tenant}/${sub}/), STS by region, Redis on loopback and a fresh cache key. `profile` fields merge into
 * `uploads`; any other key replaces that top-level section, or removes it when undefined.
 */
export function minimalConfig({
  profile = {},
  ...sections
}: {
  profile?: Record<string, unknown>;
  [section: string]: unknown;
} = {}): RawConfig {
  const config: RawConfig = {
    clients: [{ id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'b', jwksUri: 'https://idp.test/jwks', tenant: 'acme' }],
    profiles: {
      uploads: {
        bucket: 'my-bucket',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::123456789012:role/uploader',
        prefix: 'uploads/${tenant}/${sub}/',
        operations: ['put'],
        clients: ['web'],
        ...profile,
      },
    },
    sts: { region: 'cn-hangzhou' },
    redis: { url: 'redis://127.0.0.1:6379' },
    cache: { encryptionKey: randomKey() },
    ...sections,
  };
  for (const [section, value] of Object.entries(config)) if (value === undefined) delete config[section];
  return config;
}

let dir: string | undefined;

/** Writes `content` (text, or an object as YAML) to a new file named `…-name` in a temp dir; returns its path. */
export function writeTempFile(content: string | object, name = 'config.yaml'): string {
  dir ??= mkdtempSync(join(tmpdir(), 'osb-test-'));
  const path = join(dir, `${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}
