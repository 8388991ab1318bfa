/** `server.adminPort` and the admin key: off by default, never the public port, never without a key. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { minimalConfig } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const HASH = 'b'.repeat(64);
const withServer = (server: Record<string, unknown>) => minimalConfig({ server: { port: 8080, ...server } });

describe('server.adminPort', () => {
  it('is off by default', () => {
    expect(parseConfig(minimalConfig()).server.adminPort).toBeUndefined();
  });

  it('is refused on the public port, on the metrics port, and without an admin key', () => {
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8080, adminKeySha256: HASH })))).toContain(
      'server.adminPort: must differ from server.port; the admin API is never public',
    );
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 9464, metricsPort: 9464, adminKeySha256: HASH })))).toContain(
      'server.adminPort: must differ from server.metricsPort',
    );
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081 })))).toContain(
      'server.adminKeySha256: required with server.adminPort (BROKER_ADMIN_KEY_SHA256 or BROKER_ADMIN_KEY_SHA256_FILE)',
    );
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminKeySha256: 'not-a-hash' })))[0]).toMatch(
      /^server\.adminKeySha256: must be the lowercase hex SHA-256/,
    );
    expect(parseConfig(withServer({ adminPort: 8081, adminKeySha256: HASH })).server.adminPort).toBe(8081);
  });

  it('takes the admin key hash from BROKER_ADMIN_KEY_SHA256 or its _FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-config-'));
    const path = join(dir, 'config.yaml');
    const raw = minimalConfig({ server: { port: 8080, adminPort: 8081 }, redis: { url: 'redis://127.0.0.1:6379' } });
    writeFileSync(path, stringify(raw));
    const env = { BROKER_CACHE_KEY: Buffer.alloc(32, 1).toString('base64') };
    expect(loadConfigFile(path, { ...env, BROKER_ADMIN_KEY_SHA256: HASH }).server.adminKeySha256).toBe(HASH);
    const file = join(dir, 'admin-hash');
    writeFileSync(file, `${'c'.repeat(64)}\n`);
    expect(loadConfigFile(path, { ...env, BROKER_ADMIN_KEY_SHA256_FILE: file }).server.adminKeySha256).toBe('c'.repeat(64));
    expect(problemsOf(() => loadConfigFile(path, env))).toContain(
      'server.adminKeySha256: required with server.adminPort (BROKER_ADMIN_KEY_SHA256 or BROKER_ADMIN_KEY_SHA256_FILE)',
    );
  });
});
