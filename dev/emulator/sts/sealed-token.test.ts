/** Sealed SecurityTokens: round-trip, and null on any tamper, wrong key or malformed input. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openToken, sealToken, type SealedTokenPayload } from './index.js';

function payload(): SealedTokenPayload {
  return {
    v: 1,
    accessKeyId: `STS.${randomBytes(8).toString('hex')}`,
    accessKeySecret: randomBytes(20).toString('base64url'),
    roleArn: 'acs:ram::1:role/r',
    roleSessionName: 'alice',
    sessionPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] },
    rolePolicy: null,
    expiresAt: 1_700_000_900_000,
    issuedAt: 1_700_000_000_000,
  };
}

describe('sealToken / openToken', () => {
  const key = randomBytes(32);

  it('round-trips the payload and produces base64url', () => {
    const p = payload();
    const token = sealToken(p, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(openToken(token, key)).toEqual(p);
  });

  it('does not reveal the secret in the token text', () => {
    const p = payload();
    const token = sealToken(p, key);
    expect(token.includes(p.accessKeySecret)).toBe(false);
    expect(Buffer.from(token, 'base64url').includes(Buffer.from(p.accessKeySecret))).toBe(false);
  });

  it('uses a fresh IV each time', () => {
    const p = payload();
    expect(sealToken(p, key)).not.toBe(sealToken(p, key));
  });

  it('returns null under another key', () => {
    expect(openToken(sealToken(payload(), key), randomBytes(32))).toBeNull();
  });

  it('returns null for malformed input', () => {
    for (const bad of ['', 'not base64!', 'AAAA', sealToken(payload(), key) + '=', 'a'.repeat(200)]) {
      expect(openToken(bad, key)).toBeNull();
    }
  });

  it('returns null when a single byte anywhere is flipped (property)', () => {
    const token = sealToken(payload(), key);
    const raw = Buffer.from(token, 'base64url');
    fc.assert(
      fc.property(fc.nat({ max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const copy = Buffer.from(raw);
        copy[index] = (copy[index] as number) ^ mask;
        return openToken(copy.toString('base64url'), key) === null;
      }),
      { numRuns: 300 },
    );
  });

  it('returns null for truncated or extended tokens', () => {
    const raw = Buffer.from(sealToken(payload(), key), 'base64url');
    expect(openToken(raw.subarray(0, raw.length - 1).toString('base64url'), key)).toBeNull();
    expect(openToken(Buffer.concat([raw, Buffer.from([0])]).toString('base64url'), key)).toBeNull();
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => sealToken(payload(), randomBytes(16))).toThrow(/32-byte/);
  });
});
