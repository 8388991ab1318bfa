import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSealer, parseEncryptionKey } from './index.js';
import { staticKeyRing } from '../secrets/key-ring.js';
import { changeCharAt } from '../../dev/testing/tamper.js';

const key = randomBytes(32);
const sealer = createSealer(key);
const plaintext = JSON.stringify({ accessKeySecret: 'very-secret', securityToken: 'tok' });

describe('createSealer (AES-256-GCM)', () => {
  it('round-trips, with the documented format and a fresh IV every time', () => {
    const a = sealer.seal('key-1', plaintext);
    const b = sealer.seal('key-1', plaintext);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(sealer.open('key-1', a)).toBe(plaintext);
    expect(sealer.open('key-1', b)).toBe(plaintext);
    expect(a).not.toContain('very-secret');
  });

  it('refuses a value moved under another key (AAD)', () => {
    expect(sealer.open('key-2', sealer.seal('key-1', plaintext))).toBeNull();
  });

  it('refuses tampering with any part', () => {
    const sealed = sealer.seal('k', plaintext);
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    expect(sealer.open('k', [v, changeCharAt(iv, 3), tag, ct].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, changeCharAt(tag, 3), ct].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, tag, changeCharAt(ct, 3)].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, tag, ct.slice(0, -2)].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, tag.slice(0, 8), ct].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, tag, `${ct}!`].join('.'))).toBeNull();
  });

  it('refuses a wrong key and an unknown version', () => {
    const sealed = sealer.seal('k', plaintext);
    expect(createSealer(randomBytes(32)).open('k', sealed)).toBeNull();
    expect(sealer.open('k', sealed.replace(/^v1\./, 'v2.'))).toBeNull();
    expect(sealer.open('k', 'not a sealed value')).toBeNull();
    expect(sealer.open('k', '')).toBeNull();
  });

  it('needs exactly 32 bytes of key', () => {
    expect(() => createSealer(randomBytes(16))).toThrow(/32 bytes/);
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseEncryptionKey(randomBytes(31).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe('createSealer with a key ring (rotation)', () => {
  const older = randomBytes(32);
  const newer = randomBytes(32);

  it('seals with the current key and opens what the previous key sealed', () => {
    const beforeRotation = createSealer(staticKeyRing(older)).seal('k', plaintext);
    const rotated = createSealer(staticKeyRing(newer, older));
    expect(rotated.open('k', beforeRotation)).toBe(plaintext);
    const afterRotation = rotated.seal('k', plaintext);
    // Sealed with the current key: opens under the new key alone, not under the old one alone.
    expect(createSealer(newer).open('k', afterRotation)).toBe(plaintext);
    expect(createSealer(older).open('k', afterRotation)).toBeNull();
  });

  it('follows a live ring: after the next rotation, the key two versions back no longer opens', () => {
    let keys = [newer, older];
    const sealer = createSealer({ keys: () => keys });
    const sealedWithOlder = createSealer(older).seal('k', plaintext);
    expect(sealer.open('k', sealedWithOlder)).toBe(plaintext);
    keys = [randomBytes(32), newer];
    expect(sealer.open('k', sealedWithOlder)).toBeNull();
  });

  it('refuses a ring with a key of the wrong length', () => {
    expect(() => createSealer(staticKeyRing(newer, randomBytes(16)))).toThrow(/32 bytes/);
  });
});
