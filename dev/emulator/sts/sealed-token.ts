/**
 * SecurityTokens are sealed, not stored: AES-256-GCM over the JSON payload, so the OSS emulator, holding only the
 * seal key, can verify a token and recover the temporary secret without shared state with this emulator.
 * Layout (then base64url): version byte 0x01 | 12-byte IV | ciphertext | 16-byte GCM tag.
 * Real tokens are opaque with no length limit (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole), so the size of this form is acceptable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedTokenPayload } from './types.js';

const FORMAT_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Additional authenticated data: binds the ciphertext to this purpose so the key cannot be misused elsewhere. */
const AAD = Buffer.from('oss-sts-broker/sts-emulator/security-token/v1', 'utf8');

function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new Error('sealKey must be a 32-byte Buffer');
}

export function sealToken(payload: SealedTokenPayload, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Opens a token sealed with `key`. Returns null on any tamper, wrong key, malformed input or unexpected payload
 * shape. It does NOT check expiry: the caller compares `expiresAt` with its own clock.
 */
export function openToken(token: string, key: Buffer): SealedTokenPayload | null {
  assertKey(key);
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  // Reject non-canonical base64url (trailing bits) so one token has exactly one accepted spelling.
  if (raw.toString('base64url') !== token) return null;
  if (raw.length < 1 + IV_BYTES + TAG_BYTES + 2 || raw[0] !== FORMAT_VERSION) return null;
  const iv = raw.subarray(1, 1 + IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const ciphertext = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    return null;
  }
  return isPayload(parsed) ? parsed : null;
}

function isPayload(value: unknown): value is SealedTokenPayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const isObjOrNull = (x: unknown) => x === null || (typeof x === 'object' && !Array.isArray(x));
  return (
    p.v === 1 &&
    typeof p.accessKeyId === 'string' &&
    typeof p.accessKeySecret === 'string' &&
    typeof p.roleArn === 'string' &&
    typeof p.roleSessionName === 'string' &&
    (p.sourceIdentity === undefined || typeof p.sourceIdentity === 'string') &&
    isObjOrNull(p.sessionPolicy) &&
    isObjOrNull(p.rolePolicy) &&
    Number.isFinite(p.expiresAt) &&
    Number.isFinite(p.issuedAt)
  );
}
