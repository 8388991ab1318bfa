/**
 * BROKER_<NAME>_KMS_SECRET at start-up: one source per secret, unknown names refused, the value read from KMS checked
 * like an environment value, and start-up stopped when a secret cannot be read. The GetSecretValue transport is an
 * in-memory reader here; the official SDK against the KMS emulator is test/secrets.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomKey } from '../../dev/testing/config.js';
import { kmsSecretRefs, readSecretEnv } from '../../src/config/secret-env.js';
import { loadConfigWithSecrets } from '../../src/runtime/load-config.js';
import type { SecretReader } from '../../src/secrets/index.js';
import { problemsOf } from '../helpers/config-problems.js';

const example = fileURLToPath(new URL('../../deploy/config.example.yaml', import.meta.url));

function reader(values: Record<string, string>): SecretReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async read(name, stage) {
      calls.push(`${name}:${stage}`);
      const value = values[name];
      if (value === undefined) throw Object.assign(new Error('x'), { data: { Code: 'Forbidden.ResourceNotFound' } });
      return stage === 'ACSCurrent' ? { value, versionId: 'v1' } : undefined;
    },
  };
}

async function problemsOfAsync(run: () => Promise<unknown>): Promise<string[]> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  return problemsOf(() => {
    if (error !== undefined) throw error;
  });
}

describe('secrets from KMS at start-up', () => {
  it('reads BROKER_CACHE_KEY and BROKER_GRANT_KEY from KMS into the configuration', async () => {
    const [cache, grant] = [randomKey(), randomKey()];
    const kms = reader({ 'broker/cache': cache, 'broker/grant': grant });
    const { config, secrets } = await loadConfigWithSecrets(
      example,
      { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY_KMS_SECRET: 'broker/cache', BROKER_GRANT_KEY_KMS_SECRET: 'broker/grant' },
      { reader: kms },
    );
    expect(config.cache.encryptionKey).toBe(cache);
    expect(config.uploads.grantKey).toBe(grant);
    expect(secrets?.names().sort()).toEqual(['BROKER_CACHE_KEY', 'BROKER_GRANT_KEY']);
    expect(kms.calls.sort()).toEqual([
      'broker/cache:ACSCurrent',
      'broker/cache:ACSPrevious',
      'broker/grant:ACSCurrent',
      'broker/grant:ACSPrevious',
    ]);
  });

  it('reads the admin key hash from KMS too (read at start-up)', async () => {
    const hash = randomBytes(32).toString('hex');
    const kms = reader({ 'broker/admin': hash });
    const env = {
      BROKER_REDIS_URL: 'redis://x:6379',
      BROKER_CACHE_KEY: randomKey(),
      BROKER_GRANT_KEY: randomKey(),
      BROKER_ADMIN_KEY_SHA256_KMS_SECRET: 'broker/admin',
    };
    const { config } = await loadConfigWithSecrets(example, env, { reader: kms });
    expect(config.server.adminKeySha256).toBe(hash);
    const bad = reader({ 'broker/admin': 'not-a-hash' });
    expect((await problemsOfAsync(() => loadConfigWithSecrets(example, env, { reader: bad }))).join('\n')).toContain(
      'BROKER_ADMIN_KEY_SHA256',
    );
  });

  it('makes no KMS call and returns no secrets when no _KMS_SECRET variable is set', async () => {
    const kms = reader({});
    const { secrets } = await loadConfigWithSecrets(
      example,
      { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY: randomKey(), BROKER_GRANT_KEY: randomKey() },
      { reader: kms },
    );
    expect(secrets).toBeUndefined();
    expect(kms.calls).toEqual([]);
  });

  it('fails closed when a KMS secret cannot be read', async () => {
    const problems = await problemsOfAsync(() =>
      loadConfigWithSecrets(
        example,
        { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY_KMS_SECRET: 'broker/missing', BROKER_GRANT_KEY: randomKey() },
        { reader: reader({}) },
      ),
    );
    expect(problems).toEqual(['BROKER_CACHE_KEY_KMS_SECRET: cannot read KMS secret "broker/missing": Forbidden.ResourceNotFound']);
  });

  it('checks a value from KMS like an environment value', async () => {
    const short = randomBytes(16).toString('base64');
    const problems = await problemsOfAsync(() =>
      loadConfigWithSecrets(
        example,
        { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY: randomKey(), BROKER_GRANT_KEY_KMS_SECRET: 'broker/grant' },
        { reader: reader({ 'broker/grant': short }) },
      ),
    );
    expect(problems).toEqual([
      'BROKER_GRANT_KEY_KMS_SECRET: cannot read KMS secret "broker/grant": version v1: must be at least 32 bytes, base64-encoded',
    ]);
  });

  it('needs kms.endpoint or kms.region to reach KMS', async () => {
    const problems = await problemsOfAsync(() =>
      loadConfigWithSecrets(example, { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY_KMS_SECRET: 'broker/cache' }),
    );
    expect(problems).toEqual(['kms.endpoint: set kms.endpoint or kms.region to read BROKER_CACHE_KEY_KMS_SECRET']);
  });

  it('refuses two sources for one secret, and a _KMS_SECRET name the broker does not read', () => {
    expect(problemsOf(() => kmsSecretRefs({ BROKER_CACHE_KEY: randomKey(), BROKER_CACHE_KEY_KMS_SECRET: 'a' }))).toEqual([
      'BROKER_CACHE_KEY: set either BROKER_CACHE_KEY, BROKER_CACHE_KEY_FILE or BROKER_CACHE_KEY_KMS_SECRET, not two (found BROKER_CACHE_KEY, BROKER_CACHE_KEY_KMS_SECRET)',
    ]);
    expect(problemsOf(() => kmsSecretRefs({ BROKER_CACHE_KEYS_KMS_SECRET: 'a' }))[0]).toMatch(
      /^BROKER_CACHE_KEYS_KMS_SECRET: BROKER_CACHE_KEYS is not a secret the broker reads/,
    );
    expect(problemsOf(() => readSecretEnv({ BROKER_GRANT_KEY_FILE: '/x', BROKER_GRANT_KEY_KMS_SECRET: 'a' }, 'BROKER_GRANT_KEY'))).toEqual([
      'BROKER_GRANT_KEY: set either BROKER_GRANT_KEY, BROKER_GRANT_KEY_FILE or BROKER_GRANT_KEY_KMS_SECRET, not two (found BROKER_GRANT_KEY_FILE, BROKER_GRANT_KEY_KMS_SECRET)',
    ]);
  });

  it('the synchronous loader refuses a _KMS_SECRET it cannot read instead of starting without it', () => {
    expect(problemsOf(() => readSecretEnv({ BROKER_CACHE_KEY_KMS_SECRET: 'a' }, 'BROKER_CACHE_KEY'))).toEqual([
      'BROKER_CACHE_KEY_KMS_SECRET: KMS secrets are read by the start-up loader (loadConfigWithSecrets)',
    ]);
  });
});
