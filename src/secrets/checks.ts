/**
 * What makes a secret's value usable, per env name: applied to every version read from KMS, at start-up and on
 * each refresh, so a bad new version is refused (the last good one stays) instead of breaking every request. The
 * configuration's own checks (config/cross-checks.ts) apply to the value at start-up as well.
 */
import { adminKeysSecretProblems, apiKeysSecretProblems } from '../config/json-secrets.js';
import type { SecretCheck } from './kms-secrets.js';

const base64Bytes = (value: string): number => (/^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').length : 0);

export const SECRET_CHECKS: Readonly<Record<string, SecretCheck>> = {
  BROKER_CACHE_KEY: (v) => (base64Bytes(v) === 32 ? undefined : 'must be 32 bytes, base64-encoded'),
  BROKER_GRANT_KEY: (v) => (base64Bytes(v) >= 32 ? undefined : 'must be at least 32 bytes, base64-encoded'),
  BROKER_ADMIN_KEY_SHA256: (v) => (/^[0-9a-f]{64}$/.test(v) ? undefined : 'must be the hex SHA-256 of the admin key'),
  BROKER_ADMIN_KEYS: (v) => joined(adminKeysSecretProblems(v)),
  // On its own here; runtime/load-config.ts adds the check against the file's clients once it has read the file.
  BROKER_API_KEYS: (v) => joined(apiKeysSecretProblems(v)),
  BROKER_REDIS_URL: (v) => (/^rediss?:\/\//.test(v) ? undefined : 'must be a redis:// or rediss:// URL'),
};

function joined(problems: readonly string[]): string | undefined {
  return problems.length === 0 ? undefined : problems.slice(0, 5).join('; ');
}

/** The key bytes of a checked base64 value. */
export const decodeBase64Key = (value: string): Buffer => Buffer.from(value, 'base64');
