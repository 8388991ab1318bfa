/**
 * AES-256-GCM for cached tokens (README security property 2: secrets are stored in Redis only encrypted).
 *
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; a fresh random 12-byte IV per value (the GCM nonce
 * size; random IVs are safe far beyond the number of tokens one key will ever seal).
 * AAD is the cache key the value is stored under, so a value copied under another key (another user's policy)
 * fails authentication instead of being served to the wrong caller (invariant 5 holds even against a Redis writer
 * without the key). The format names no key: a key ring (secrets/key-ring.ts) seals with its current key and opens
 * with the current, then the previous one, so a key rotation loses no cached token. A wrong key fails GCM's tag check,
 * which is what tells the keys apart; it costs one more AES attempt on values sealed before the rotation only.
 *
 * `open` returns null on every failure (unknown version, malformed, tampered, wrong key, wrong AAD): for a cache a
 * value that does not open is simply a miss, and the reason must not leak into logs as anything but "miss".
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { asKeyRing, type KeyRing } from '../secrets/key-ring.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENCRYPTION_KEY_BYTES = 32;

export interface Sealer {
  seal(aad: string, plaintext: string): string;
  open(aad: string, sealed: string): string | null;
}

/** Decodes the base64 key from config (`cache.encryptionKey`) and checks its length. */
export function parseEncryptionKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== ENCRYPTION_KEY_BYTES) {
    throw new Error(`cache.encryptionKey must be ${ENCRYPTION_KEY_BYTES} bytes base64, got ${key.length} bytes`);
  }
  return key;
}

export function createSealer(key: Buffer | KeyRing): Sealer {
  const ring = asKeyRing(key);
  for (const k of ring.keys()) {
    if (k.length !== ENCRYPTION_KEY_BYTES) {
      throw new Error(`encryption key must be ${ENCRYPTION_KEY_BYTES} bytes, got ${k.length}`);
    }
  }

  return {
    seal(aad, plaintext) {
      const secret = ring.keys()[0]!;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },

    open(aad, sealed) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) return null;
      const iv = decode(parts[1]);
      const tag = decode(parts[2]);
      const ciphertext = decode(parts[3]);
      // A short tag would weaken GCM to a guessable MAC: insist on the full 16 bytes.
      if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === null) return null;
      for (const secret of ring.keys()) {
        const plaintext = openWith(secret, aad, iv, tag, ciphertext);
        if (plaintext !== null) return plaintext;
      }
      return null;
    },
  };
}

function openWith(secret: Buffer, aad: string, iv: Buffer, tag: Buffer, ciphertext: Buffer): string | null {
  if (secret.length !== ENCRYPTION_KEY_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Strict base64url: Buffer.from silently skips junk characters, which would make a tampered value "decode". */
function decode(part: string | undefined): Buffer | null {
  if (part === undefined || !/^[A-Za-z0-9_-]*$/.test(part)) return null;
  return Buffer.from(part, 'base64url');
}
