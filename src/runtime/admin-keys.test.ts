import { describe, expect, it } from 'vitest';
import { namedKeysOf } from './admin-keys.js';

const h = (c: string) => c.repeat(64);
const list = (...keys: Array<[string, string]>) => JSON.stringify(keys.map(([name, sha256]) => ({ name, sha256 })));

describe('named admin keys across a rotation', () => {
  it('keeps the previous key of an operator still named, and drops an operator no longer named', () => {
    const previous = list(['alice', h('a')], ['bob', h('b')]);
    const current = list(['alice', h('c')]);
    expect(namedKeysOf([current, previous])).toEqual([
      { name: 'alice', sha256: h('c') },
      { name: 'alice', sha256: h('a') },
    ]);
  });

  it('holds the current version alone before the first rotation, and a key in both versions once', () => {
    const current = list(['alice', h('a')], ['bob', h('b')]);
    expect(namedKeysOf([current])).toHaveLength(2);
    expect(namedKeysOf([current, list(['alice', h('a')])])).toHaveLength(2);
  });
});
