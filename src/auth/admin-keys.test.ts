import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configuredAdminKeys, createAdminKeys, type AdminKey } from './admin-keys.js';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');

describe('admin keys', () => {
  it('names the operator whose key it is, and nobody for anything else', () => {
    const keys = createAdminKeys(() => [
      { name: 'alice', sha256: sha('key-of-alice') },
      { name: 'bob', sha256: sha('key-of-bob') },
    ]);
    expect(keys.identify('key-of-alice')).toBe('alice');
    expect(keys.identify('key-of-bob')).toBe('bob');
    for (const wrong of ['', 'key-of-carol', sha('key-of-alice'), 'key-of-alice ']) expect(keys.identify(wrong)).toBeUndefined();
  });

  it('follows its source: a key replaced there stops working at once', () => {
    let list: readonly AdminKey[] = [{ name: 'alice', sha256: sha('old') }];
    const keys = createAdminKeys(() => list);
    expect(keys.identify('old')).toBe('alice');
    list = [{ name: 'alice', sha256: sha('new') }];
    expect(keys.identify('old')).toBeUndefined();
    expect(keys.identify('new')).toBe('alice');
  });

  it('reads the unnamed key as "admin", beside the named ones', () => {
    expect(configuredAdminKeys({ adminKeySha256: sha('a'), adminKeys: [{ name: 'bob', sha256: sha('b') }] })).toEqual([
      { name: 'admin', sha256: sha('a') },
      { name: 'bob', sha256: sha('b') },
    ]);
    expect(configuredAdminKeys({})).toEqual([]);
  });
});
