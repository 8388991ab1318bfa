/** x:grant: the broker's MAC over who may upload what. Any edit, or another key, and it does not open. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGrantSealer, type UploadGrant } from './upload-grant.js';

const grant: UploadGrant = {
  principal: { kind: 'user', clientId: 'web', tenant: 'acme', subject: 'alice' },
  profile: 'uploads',
  bucket: 'my-bucket',
  key: 'uploads/acme/alice/me.png',
  size: 48211,
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

  it('does not open when any field was changed and the payload re-encoded', () => {
    const [v, , mac] = sealer.seal(grant).split('.');
    const variants: UploadGrant[] = [
      { ...grant, principal: { ...grant.principal, subject: 'bob' } },
      { ...grant, principal: { ...grant.principal, tenant: 'globex' } },
      { ...grant, profile: 'other' },
      { ...grant, key: 'uploads/acme/bob/me.png' },
      { ...grant, size: grant.size + 1 },
      { ...grant, expiresAt: grant.expiresAt + 1000 },
      { ...grant, id: 'r2-abcdefgh' },
    ];
    for (const edited of variants) {
      const p = edited.principal;
      const fields = [
        p.kind,
        p.clientId,
        p.tenant,
        p.subject,
        edited.profile,
        edited.bucket,
        edited.key,
        edited.size,
        edited.expiresAt,
        edited.id,
      ];
      const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
      expect(sealer.open(`${v}.${payload}.${mac}`)).toBeUndefined();
    }
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
    for (const text of ['', 'v1', 'v1.a', 'v2.a.b', 'v1..', 'v1.!!.!!', `v1.${'a'.repeat(5000)}.b`])
      expect(sealer.open(text)).toBeUndefined();
  });
});
