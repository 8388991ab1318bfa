/** `server.adminPort` and the admin key: off by default, never the public port, never without a key. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { minimalConfig } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';
import { ADMIN_KEY_REQUIRED } from '../../src/config/cross-checks.js';

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
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081 })))).toContain(ADMIN_KEY_REQUIRED);
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
    expect(problemsOf(() => loadConfigFile(path, env))).toContain(ADMIN_KEY_REQUIRED);
  });

  it('takes named admin keys from server.adminKeys or BROKER_ADMIN_KEYS, each name and key once', () => {
    const keys = [
      { name: 'alice', sha256: 'a'.repeat(64) },
      { name: 'bob', sha256: 'b'.repeat(64) },
    ];
    expect(parseConfig(withServer({ adminPort: 8081, adminKeys: keys })).server.adminKeys).toEqual(keys);
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminKeys: [keys[0], { ...keys[1], name: 'alice' }] })))).toEqual([
      'server.adminKeys[1].name: names an admin twice',
    ]);
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminKeys: [keys[0], { ...keys[0], name: 'carol' }] })))).toEqual([
      'server.adminKeys[1].sha256: the same key twice',
    ]);
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminKeys: [{ name: 'has space', sha256: HASH }] })))).toEqual([
      'server.adminKeys[0].name: must be 1-64 of A-Z a-z 0-9 . _ @ -',
    ]);
    expect(
      problemsOf(() =>
        parseConfig(withServer({ adminPort: 8081, adminKeySha256: HASH, adminKeys: [{ name: 'admin', sha256: 'c'.repeat(64) }] })),
      ),
    ).toEqual(['server.adminKeys[0].name: "admin" is the name of server.adminKeySha256; choose another']);

    const dir = mkdtempSync(join(tmpdir(), 'admin-keys-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, stringify(minimalConfig({ server: { port: 8080, adminPort: 8081 }, redis: { url: 'redis://127.0.0.1:6379' } })));
    const env = { BROKER_CACHE_KEY: Buffer.alloc(32, 1).toString('base64') };
    expect(loadConfigFile(path, { ...env, BROKER_ADMIN_KEYS: JSON.stringify(keys) }).server.adminKeys).toEqual(keys);
    const file = join(dir, 'admin-keys.json');
    writeFileSync(file, `${JSON.stringify(keys)}\n`);
    expect(loadConfigFile(path, { ...env, BROKER_ADMIN_KEYS_FILE: file }).server.adminKeys).toEqual(keys);
    expect(problemsOf(() => loadConfigFile(path, { ...env, BROKER_ADMIN_KEYS: '[{"name": "alice"' }))).toEqual([
      'BROKER_ADMIN_KEYS: not valid JSON',
    ]);
    expect(problemsOf(() => loadConfigFile(path, { ...env, BROKER_ADMIN_KEYS: '[{"name": "alice", "sha256": "XYZ"}]' }))).toEqual([
      'BROKER_ADMIN_KEYS[0].sha256: must be the lowercase hex SHA-256 of the admin key',
    ]);
  });
});

describe('server.adminOidc', () => {
  const adminOidc = (overrides: Record<string, unknown> = {}) => ({
    issuer: 'https://idp.test/',
    audience: 'broker-admin',
    jwksUri: 'https://idp.test/jwks',
    requireClaim: { name: 'groups', value: 'broker-admins' },
    ...overrides,
  });

  it('is enough for the admin port on its own, naming operators by sub unless told otherwise', () => {
    const server = parseConfig(withServer({ adminPort: 8081, adminOidc: adminOidc() })).server;
    expect(server.adminOidc).toMatchObject({ nameClaim: 'sub', algorithms: ['RS256'], clockToleranceSeconds: 30 });
  });

  it('refuses the audience of a user client of the same issuer: no user token may be an admin token', () => {
    // minimalConfig's client `web` accepts issuer https://idp.test/ with audience `b`.
    expect(
      problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: adminOidc({ audience: ['broker-admin', 'b'] }) }))),
    ).toEqual([
      "server.adminOidc.audience: clients[0] (web) accepts the same issuer and audience b; give the admin API an audience of its own, so no user's token is one it accepts",
    ]);
    const otherIssuer = adminOidc({ issuer: 'https://staff-idp.test/', audience: 'b' });
    expect(() => parseConfig(withServer({ adminPort: 8081, adminOidc: otherIssuer }))).not.toThrow();
  });

  it('needs exactly one key source and the claim to require, and takes nothing unknown', () => {
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: adminOidc({ jwksFile: '/etc/jwks.json' }) })))).toEqual([
      'server.adminOidc.jwksUri: set exactly one of jwksUri or jwksFile',
    ]);
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: adminOidc({ requireClaim: undefined }) })))[0]).toMatch(
      /^server\.adminOidc\.requireClaim/,
    );
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: adminOidc({ tenant: 'acme' }) })))[0]).toMatch(
      /^server\.adminOidc: .*tenant/,
    );
  });

  it('is an identity URL: https, except a loopback host outside production', () => {
    const local = adminOidc({ issuer: 'http://127.0.0.1:8080/staff', jwksUri: 'http://127.0.0.1:8080/staff/jwks' });
    expect(() => parseConfig(withServer({ adminPort: 8081, adminOidc: local }), {}, { NODE_ENV: 'development' })).not.toThrow();
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: local }), {}, { NODE_ENV: 'production' }))).toEqual([
      'server.adminOidc.issuer: must be https with NODE_ENV=production (plain http is for local development only)',
      'server.adminOidc.jwksUri: must be https with NODE_ENV=production (plain http is for local development only)',
    ]);
    const remote = adminOidc({ jwksUri: 'http://idp.test/jwks' });
    expect(problemsOf(() => parseConfig(withServer({ adminPort: 8081, adminOidc: remote }), {}, { NODE_ENV: 'development' }))).toEqual([
      'server.adminOidc.jwksUri: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)',
    ]);
  });
});
