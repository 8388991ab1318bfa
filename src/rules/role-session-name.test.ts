import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleSessionName } from './role-session-name.js';

const VALID = /^[A-Za-z0-9.@_-]{2,64}$/;

describe('roleSessionName', () => {
  it.each([
    ['alice', 'acme', 'alice@acme'],
    ['a', 'b', 'a@b'],
    ['user_1.x-y', 'tenant-2', 'user_1.x-y@tenant-2'],
  ])('plain form for (%j, %j)', (subject, tenant, expected) => {
    expect(roleSessionName({ subject, tenant })).toBe(expected);
  });

  it.each([
    ['alice@example.com', 'acme', /^alice_example\.com@acme@[0-9a-f]{16}$/],
    ['auth0|123', 'acme', /^auth0_123@acme@[0-9a-f]{16}$/],
    ['x'.repeat(70), 'acme', /^x{42}@acme@[0-9a-f]{16}$/],
    ['bob', 't'.repeat(70), /^bob@t{16}@[0-9a-f]{16}$/],
    ['', '', /^@@[0-9a-f]{16}$/],
    ['😀', 'ü', /^_@_@[0-9a-f]{16}$/],
  ])('hashed form for (%j, %j)', (subject, tenant, pattern) => {
    const name = roleSessionName({ subject, tenant });
    expect(name).toMatch(pattern);
    expect(name).toMatch(VALID);
  });

  it('does not collide where plain concatenation would', () => {
    const a = roleSessionName({ subject: 'a@b', tenant: 'c' });
    const b = roleSessionName({ subject: 'a', tenant: 'b@c' });
    const c = roleSessionName({ subject: 'a_b', tenant: 'c' });
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('a plain name exactly 64 long stays plain; 65 is hashed', () => {
    expect(roleSessionName({ subject: 'x'.repeat(58), tenant: 'acme1' })).toBe(`${'x'.repeat(58)}@acme1`);
    expect(roleSessionName({ subject: 'x'.repeat(59), tenant: 'acme1' }).split('@')).toHaveLength(3);
  });

  it('property: always valid for STS', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ maxLength: 80 }), (subject, tenant) => {
        expect(roleSessionName({ subject, tenant })).toMatch(VALID);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: different principals get different names', () => {
    const part = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', '@', '_', '.', '|', 'é'), maxLength: 6 }),
      fc.string({ maxLength: 70 }),
    );
    fc.assert(
      fc.property(part, part, part, part, (s1, t1, s2, t2) => {
        fc.pre(s1 !== s2 || t1 !== t2);
        expect(roleSessionName({ subject: s1, tenant: t1 })).not.toBe(roleSessionName({ subject: s2, tenant: t2 }));
      }),
      { numRuns: 3000 },
    );
  });
});
