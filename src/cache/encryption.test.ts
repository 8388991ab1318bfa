import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSealer, parseEncryptionKey } from './index.js';

const key = randomBytes(32);
const sealer = createSealer(key);
const plaintext = JSON.stringify({ accessKeySecret: 'very-secret', securityToken: 'tok' });

function flipChar(s: string, index: number): string {
  const c = s[index] === 'A' ? 'B' : 'A';
  return s.slice(0, index) + c + s.slice(index + 1);
}

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
    expect(sealer.open('k', [v, flipChar(iv, 3), tag, ct].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, flipChar(tag, 3), ct].join('.'))).toBeNull();
    expect(sealer.open('k', [v, iv, tag, flipChar(ct, 3)].join('.'))).toBeNull();
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
