/**
 * Who is calling the admin API: each admin key belongs to a named operator, so every audited admin action says who
 * did it. The broker holds only SHA-256 hashes. A key is matched against every hash, in constant time each and
 * without stopping at the first match, so the time taken does not tell how many keys there are before the right one.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/** The actor of `server.adminKeySha256`, the one key without a name of its own. */
export const UNNAMED_ADMIN = 'admin';

export interface AdminKey {
  /** Who an action with this key is recorded as. */
  name: string;
  /** Lowercase hex SHA-256 of the key. */
  sha256: string;
}

export interface AdminKeys {
  /** The name of the admin whose key this is, or undefined for any other string. */
  identify(key: string): string | undefined;
}

/**
 * Admin keys from `source`, asked on every call so a refreshed list (KMS) counts at once. `source` should return
 * the same array until the list changes: the hashes are decoded once per array.
 */
export function createAdminKeys(source: () => readonly AdminKey[]): AdminKeys {
  let seen: readonly AdminKey[] | undefined;
  let decoded: Array<{ name: string; hash: Buffer }> = [];
  return {
    identify(key) {
      const keys = source();
      if (keys !== seen) {
        decoded = keys.map((k) => ({ name: k.name, hash: Buffer.from(k.sha256, 'hex') }));
        seen = keys;
      }
      const actual = createHash('sha256').update(key, 'utf8').digest();
      let found: string | undefined;
      for (const k of decoded) {
        if (constantTimeEqual(actual, k.hash) && found === undefined) found = k.name;
      }
      return found;
    },
  };
}

/** The admin keys the configuration names: the unnamed `adminKeySha256` ("admin") and the named `adminKeys`. */
export function configuredAdminKeys(server: {
  adminKeySha256?: string | undefined;
  adminKeys?: readonly AdminKey[] | undefined;
}): readonly AdminKey[] {
  const unnamed = server.adminKeySha256 === undefined ? [] : [{ name: UNNAMED_ADMIN, sha256: server.adminKeySha256 }];
  return Object.freeze([...unnamed, ...(server.adminKeys ?? []).map((k) => ({ name: k.name, sha256: k.sha256 }))]);
}
