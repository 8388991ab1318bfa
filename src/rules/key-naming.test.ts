import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { assertKeyLength, defaultRandomId, MAX_KEY_BYTES, nameKeys } from './key-naming.js';

const counter = () => {
  let n = 0;
  return () => `id${String(++n).padStart(8, '0')}`;
};

describe('nameKeys', () => {
  it('original: <prefix><name>, in file order', () => {
    const keys = nameKeys({ prefix: 'u/a/b/', files: [{ name: 'z.png' }, { name: 'a b.JPG' }], keyNaming: 'original' });
    expect(keys).toEqual(['u/a/b/z.png', 'u/a/b/a b.JPG']);
  });

  it('random: <prefix><id>.<lower-case ext>, keeping the extension', () => {
    const keys = nameKeys({
      prefix: 'u/a/b/',
      files: [{ name: 'me.PNG' }, { name: 'x.tar.gz' }, { name: 'README' }, { name: 'İ.Ä' }],
      keyNaming: 'random',
      random: counter(),
    });
    // ASCII-only lower-casing: non-ASCII extensions are kept as they are.
    expect(keys).toEqual(['u/a/b/id00000001.png', 'u/a/b/id00000002.gz', 'u/a/b/id00000003', 'u/a/b/id00000004.Ä']);
  });

  it('default random ids are 32 hex characters and differ', () => {
    const a = defaultRandomId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(defaultRandomId()).not.toBe(a);
  });

  it.each(['a/b', '*', '', '..', 'short'])('refuses an unsafe generator output %j', (id) => {
    expect(() => nameKeys({ prefix: 'p/', files: [{ name: 'a.png' }], keyNaming: 'random', random: () => id })).toThrow(/unsafe/);
  });

  it('refuses a generator that repeats itself', () => {
    const files = [{ name: 'a.png' }, { name: 'b.png' }];
    expect(() => nameKeys({ prefix: 'p/', files, keyNaming: 'random', random: () => 'samesame1' })).toThrow(/duplicate/);
  });

  it('key_too_long above 1023 UTF-8 bytes, counted in bytes not characters', () => {
    const prefix = `${'p'.repeat(1000)}/`;
    expect(nameKeys({ prefix, files: [{ name: 'x'.repeat(22) }], keyNaming: 'original' })[0]).toHaveLength(MAX_KEY_BYTES);
    const tooLong = () => nameKeys({ prefix, files: [{ name: 'é'.repeat(12) }], keyNaming: 'original' });
    expect(tooLong).toThrow(BrokerError);
    expect(tooLong).toThrow(/1025 bytes/);
    try {
      tooLong();
    } catch (error) {
      expect((error as BrokerError).code).toBe('key_too_long');
    }
  });

  it('assertKeyLength names what was too long', () => {
    expect(() => assertKeyLength('x'.repeat(1024), 'the rendered prefix')).toThrow(/the rendered prefix/);
    expect(() => assertKeyLength('x'.repeat(1023))).not.toThrow();
  });
});
