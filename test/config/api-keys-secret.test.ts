/**
 * BROKER_API_KEYS: partner key hashes per apiKey client, from the environment, a mounted file or KMS, checked with
 * the schema of `clients[].keys`; at start-up a secret that cannot be read or parsed stops the broker, and a new KMS
 * version that does not fit the file is refused (the last good set stays).
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, loadConfigWithSecrets } from '../../src/runtime/load-config.js';
import { generateApiKey } from '../../src/auth/index.js';
import type { SecretReader, SecretVersion } from '../../src/secrets/index.js';
import { problemsOf } from '../helpers/config-problems.js';

const partner = { id: 'partner', type: 'apiKey', tenant: 'p1' };
function config(client: Record<string, unknown> = partner) {
  const c = minimalConfig({
    clients: [
      { id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'b', jwksUri: 'https://idp.test/jwks', tenant: 'acme' },
      client,
    ],
  });
  c.profiles['partner-read'] = { ...c.profiles.uploads, prefix: 'partners/${tenant}/', operations: ['get'], clients: ['partner'] };
  return c;
}
const k1 = generateApiKey('pk_one');
const k2 = generateApiKey('pk_two');
const secret = (...keys: Array<{ keyId: string; sha256: string }>) =>
  JSON.stringify({ partner: keys.map((k) => ({ id: k.keyId, sha256: k.sha256 })) });
const keysOf = (c: ReturnType<typeof loadConfigFile>) => c.clients.flatMap((x) => (x.type === 'apiKey' ? x.keys.map((k) => k.id) : []));

async function problemsOfAsync(run: () => Promise<unknown>): Promise<string[]> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  return problemsOf(() => {
    if (error !== undefined) throw error;
  });
}

describe('BROKER_API_KEYS', () => {
  it('gives the named clients their keys, from the environment or a file', () => {
    const path = writeTempFile(config());
    expect(keysOf(loadConfigFile(path, { BROKER_API_KEYS: secret(k1, k2) }))).toEqual(['pk_one', 'pk_two']);
    const file = writeTempFile(`${secret(k2)}\n`, 'api-keys.json');
    expect(keysOf(loadConfigFile(path, { BROKER_API_KEYS_FILE: file }))).toEqual(['pk_two']);
    // Without it, a client without keys is refused as before.
    expect(problemsOf(() => loadConfigFile(path, {}))).toContain('clients[1].keys: Invalid input: expected array, received undefined');
  });

  it('refuses what the file would refuse, naming the variable and the field, never a value', () => {
    const path = writeTempFile(config());
    expect(problemsOf(() => loadConfigFile(path, { BROKER_API_KEYS: '{"partner": [' }))).toEqual(['BROKER_API_KEYS: not valid JSON']);
    expect(
      problemsOf(() => loadConfigFile(path, { BROKER_API_KEYS: JSON.stringify({ partner: [{ id: 'pk_one', sha256: 'ABC' }] }) })),
    ).toEqual(['BROKER_API_KEYS.partner[0].sha256: must be the lowercase hex SHA-256 of the secret']);
    expect(problemsOf(() => loadConfigFile(path, { BROKER_API_KEYS: JSON.stringify({ partner: [] }) }))).toEqual([
      'BROKER_API_KEYS.partner: Too small: expected array to have >=1 items',
    ]);
    expect(
      problemsOf(() =>
        loadConfigFile(path, { BROKER_API_KEYS: JSON.stringify({ ...JSON.parse(secret(k1)), ghost: JSON.parse(secret(k2)).partner }) }),
      ),
    ).toEqual(['BROKER_API_KEYS.ghost: no client with this id in clients[]']);
    expect(problemsOf(() => loadConfigFile(path, { BROKER_API_KEYS: JSON.stringify({ web: JSON.parse(secret(k1)).partner }) }))).toEqual([
      'BROKER_API_KEYS.web: clients[0] is not an apiKey client',
    ]);
    // Keys in the file and in the secret for one client: which list counts would be a guess.
    const both = writeTempFile(config({ ...partner, keys: [{ id: k1.keyId, sha256: k1.sha256 }] }));
    expect(problemsOf(() => loadConfigFile(both, { BROKER_API_KEYS: secret(k2) }))).toEqual([
      'clients[1].keys: set in the file and in BROKER_API_KEYS; keep one',
    ]);
    // The file's checks still apply: one key id, one client.
    expect(problemsOf(() => loadConfigFile(path, { BROKER_API_KEYS: secret(k1, k1) }))).toEqual([
      'clients[1].keys[1].id: duplicate API key id "pk_one"',
    ]);
  });

  it('from KMS: start-up fails closed on an unreadable or unusable secret; a refresh that does not fit keeps the last good set', async () => {
    const path = writeTempFile({ ...config(), kms: { endpoint: 'kms.test' } });
    const versions: SecretVersion[] = [];
    const reader: SecretReader = {
      async read(_name, stage) {
        if (versions.length === 0) throw Object.assign(new Error('x'), { data: { Code: 'Forbidden.ResourceNotFound' } });
        return stage === 'ACSCurrent' ? versions.at(-1) : versions.at(-2);
      },
    };
    const env = { BROKER_API_KEYS_KMS_SECRET: 'broker/api-keys' };
    expect(await problemsOfAsync(() => loadConfigWithSecrets(path, env, { reader }))).toEqual([
      'BROKER_API_KEYS_KMS_SECRET: cannot read KMS secret "broker/api-keys": Forbidden.ResourceNotFound',
    ]);
    versions.push({ value: '{"partner": [', versionId: 'v1' });
    expect(await problemsOfAsync(() => loadConfigWithSecrets(path, env, { reader }))).toEqual([
      'BROKER_API_KEYS_KMS_SECRET: cannot read KMS secret "broker/api-keys": version v1: BROKER_API_KEYS: not valid JSON',
    ]);
    versions.push({ value: secret(k1), versionId: 'v2' });
    const loaded = await loadConfigWithSecrets(path, env, { reader });
    expect(keysOf(loaded.config)).toEqual(['pk_one']);
    const changes: string[] = [];
    loaded.secrets!.onChange('BROKER_API_KEYS', (value) => changes.push(value));
    // Names a client the file does not have: refused, the last good set stays.
    versions.push({ value: JSON.stringify({ ghost: JSON.parse(secret(k2)).partner }), versionId: 'v3' });
    await loaded.secrets!.refresh();
    expect(changes).toEqual([]);
    expect(loaded.secrets!.current('BROKER_API_KEYS')).toBe(secret(k1));
    versions.push({ value: secret(k2), versionId: 'v4' });
    await loaded.secrets!.refresh();
    expect(changes).toEqual([secret(k2)]);
    expect(keysOf(loaded.configWith!('BROKER_API_KEYS', changes[0]!))).toEqual(['pk_two']);
  });
});
