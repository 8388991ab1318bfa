/** x:grant: the broker's MAC over who may upload what. Any edit, or another key, and it does not open. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGrantSealer, type UploadGrant } from './upload-grant.js';
import { staticKeyRing } from '../secrets/key-ring.js';

const grant: UploadGrant = {
  principal: { kind: 'user', clientId: 'web', tenant: 'acme', subject: 'alice' },
  profile: 'uploads',
  bucket: 'my-bucket',
  key: 'uploads/acme/alice/me.png',
  size: 48211,
  issuedAt: Date.UTC(2026, 10, 22, 10, 0, 3),
  expiresAt: Date.UTC(2026, 10, 22, 10, 10, 3),
  id: 'r1-abcdefgh',
};

describe('x:grant', () => {
  const sealer = createGrantSealer(randomBytes(32));

  it('opens to exactly what was sealed', () => {
    expect(sealer.open(sealer.seal(grant))).toEqual(grant);
  });

  it('does not open under another key', () => {
    expect(createGrantSealer(randomBytes(32)).open(sealer.seal(grant))).toBeUndefined();
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createGrantSealer(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('does not open when any one field was changed and the payload re-encoded', () => {
    const [v, , mac] = sealer.seal(grant).split('.');
    const p = grant.principal;
    // Every field of the sealed array, in order, each with another valid value.
    const fields = [
      p.kind,
      p.clientId,
      p.tenant,
      p.subject,
      grant.profile,
      grant.bucket,
      grant.key,
      grant.size,
      grant.issuedAt,
      grant.expiresAt,
      grant.id,
    ];
    const others = [
      'partner',
      'mobile',
      'globex',
      'bob',
      'other',
      'other-bucket',
      'uploads/acme/bob/me.png',
      grant.size + 1,
      grant.issuedAt - 1000,
      grant.expiresAt + 1000,
      'r2-abcdefgh',
    ];
    expect(others).toHaveLength(fields.length);
    const reencode = (values: unknown[]) => `${v}.${Buffer.from(JSON.stringify(values)).toString('base64url')}.${mac}`;
    // The unedited array re-encoded this way opens, so each refusal below is the edit's doing.
    expect(sealer.open(reencode(fields))).toEqual(grant);
    others.forEach((other, i) => {
      const edited = fields.map((value, j) => (j === i ? other : value));
      expect(sealer.open(reencode(edited)), `field ${i}`).toBeUndefined();
    });
  });

  it('does not open after any single-character edit', () => {
    const sealed = sealer.seal(grant);
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.constantFrom(...'ABCxyz019-_.'), (at, ch) => {
        fc.pre(sealed[at] !== ch);
        const edited = sealed.slice(0, at) + ch + sealed.slice(at + 1);
        // The MAC is compared as text, so even a base64 alias of the same bytes is refused.
        expect(sealer.open(edited)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses malformed text without throwing', () => {
    for (const text of ['', 'v2', 'v2.a', 'v1.a.b', 'v2.a.b', 'v2..', 'v2.!!.!!', `v2.${'a'.repeat(5000)}.b`])
      expect(sealer.open(text)).toBeUndefined();
  });
});

describe('x:grant with a key ring (rotation)', () => {
  const older = randomBytes(32);
  const newer = randomBytes(32);

  it('verifies a grant signed with the previous key, and signs new ones with the current key', () => {
    const beforeRotation = createGrantSealer(older).seal(grant);
    const rotated = createGrantSealer(staticKeyRing(newer, older));
    expect(rotated.open(beforeRotation)).toEqual(grant);
    const afterRotation = rotated.seal(grant);
    expect(createGrantSealer(newer).open(afterRotation)).toEqual(grant);
    expect(createGrantSealer(older).open(afterRotation)).toBeUndefined();
  });

  it('does not verify a grant signed with a key the ring no longer holds', () => {
    const oldest = createGrantSealer(randomBytes(32)).seal(grant);
    expect(createGrantSealer(staticKeyRing(newer, older)).open(oldest)).toBeUndefined();
  });
});
