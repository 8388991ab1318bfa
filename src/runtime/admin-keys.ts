/**
 * The admin keys when they come from KMS (BROKER_ADMIN_KEY_SHA256_KMS_SECRET, BROKER_ADMIN_KEYS_KMS_SECRET), read
 * again at every refresh, so a rotated admin key works without a restart.
 *
 * Like the cache key ring, a rotation keeps the previous version working until the next one, so an operator can
 * switch to a new key without a moment in which neither works. For the named list that holds per operator: the
 * previous version's key of an operator still named in the current version keeps working; an operator no longer
 * named is cut off by that one rotation (removing a leaked admin key must not take two).
 */
import { configuredAdminKeys, createAdminKeys, UNNAMED_ADMIN, type AdminKey, type AdminKeys } from '../auth/index.js';
import { parseAdminKeys } from '../config/json-secrets.js';
import type { BrokerConfig } from '../config/schema.js';
import type { KmsSecrets } from '../secrets/index.js';

const SINGLE = 'BROKER_ADMIN_KEY_SHA256';
const NAMED = 'BROKER_ADMIN_KEYS';

/** Every key of the current version, then the previous version's keys of operators the current one still names. */
export function namedKeysOf(versions: readonly string[]): AdminKey[] {
  const [current, previous] = versions.map((v) => parseAdminKeys(v));
  const keys: AdminKey[] = current!.map((k) => ({ name: k.name, sha256: k.sha256 }));
  const names = new Set(keys.map((k) => k.name));
  for (const k of previous ?? []) {
    if (names.has(k.name) && !keys.some((held) => held.sha256 === k.sha256)) keys.push({ name: k.name, sha256: k.sha256 });
  }
  return keys;
}

/** The live admin keys, or undefined when none comes from KMS (createApp then uses the configuration's). */
export function adminKeysFromSecrets(config: Readonly<BrokerConfig>, secrets: KmsSecrets | undefined): AdminKeys | undefined {
  const held = new Set(secrets?.names() ?? []);
  if (secrets === undefined || (!held.has(SINGLE) && !held.has(NAMED))) return undefined;
  const fixed = configuredAdminKeys(config.server);
  let memo: { single?: readonly string[]; named?: readonly string[]; keys: readonly AdminKey[] } | undefined;
  return createAdminKeys(() => {
    const single = held.has(SINGLE) ? secrets.values(SINGLE) : undefined;
    const named = held.has(NAMED) ? secrets.values(NAMED) : undefined;
    if (memo !== undefined && memo.single === single && memo.named === named) return memo.keys;
    const keys = Object.freeze([
      ...(single === undefined ? fixed.filter((k) => k.name === UNNAMED_ADMIN) : single.map((sha256) => ({ name: UNNAMED_ADMIN, sha256 }))),
      ...(named === undefined ? fixed.filter((k) => k.name !== UNNAMED_ADMIN) : namedKeysOf(named)),
    ]);
    memo = { single, named, keys };
    return keys;
  });
}
