import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SOURCE_IDENTITY_PATTERN, sourceIdentity } from './source-identity.js';

const VALID = /^[A-Za-z0-9._@-]{2,64}$/;

describe('sourceIdentity', () => {
  it('the exported pattern is the documented 2-64 of [A-Za-z0-9._@-]', () => {
    expect(SOURCE_IDENTITY_PATTERN.source).toBe(VALID.source);
  });

  it.each([
    ['alice', 'acme', 'web', 'alice@acme@web'],
    ['a', 'b', 'c', 'a@b@c'],
    ['partner-key1', 'partner1', 'partner1', 'partner-key1@partner1@partner1'],
  ])('plain form for (%j, %j, %j)', (subject, tenant, clientId, expected) => {
    expect(sourceIdentity({ subject, tenant, clientId })).toBe(expected);
  });

  it.each([
    ['alice@example.com', 'acme', 'web', /^alice_example\.com@acme@web@[0-9a-f]{16}$/],
    ['auth0|123', 'acme', 'web', /^auth0_123@acme@web@[0-9a-f]{16}$/],
    ['x'.repeat(70), 'acme', 'web', /^x{38}@acme@web@[0-9a-f]{16}$/],
    ['bob', 't'.repeat(70), 'c'.repeat(63), /^bob@t{12}@c{12}@[0-9a-f]{16}$/],
    ['', '', 'web', /^@@web@[0-9a-f]{16}$/],
    ['😀', 'ü', 'web', /^_@_@web@[0-9a-f]{16}$/],
  ])('hashed form for (%j, %j, %j)', (subject, tenant, clientId, pattern) => {
    const identity = sourceIdentity({ subject, tenant, clientId });
    expect(identity).toMatch(pattern);
    expect(identity).toMatch(VALID);
  });

  it('a plain identity exactly 64 long stays plain; 65 is hashed', () => {
    expect(sourceIdentity({ subject: 'x'.repeat(55), tenant: 'acme', clientId: 'web' })).toBe(`${'x'.repeat(55)}@acme@web`);
    expect(sourceIdentity({ subject: 'x'.repeat(56), tenant: 'acme', clientId: 'web' }).split('@')).toHaveLength(4);
  });

  it('tells apart what the role session name does not: the same user of two clients', () => {
    expect(sourceIdentity({ subject: 'alice', tenant: 'acme', clientId: 'web' })).not.toBe(
      sourceIdentity({ subject: 'alice', tenant: 'acme', clientId: 'mobile' }),
    );
  });

  it('does not collide where plain concatenation would', () => {
    const ids = [
      sourceIdentity({ subject: 'a@b', tenant: 'c', clientId: 'd' }),
      sourceIdentity({ subject: 'a', tenant: 'b@c', clientId: 'd' }),
      sourceIdentity({ subject: 'a_b', tenant: 'c', clientId: 'd' }),
      sourceIdentity({ subject: 'a', tenant: 'b', clientId: 'c@d' }),
    ];
    expect(new Set(ids).size).toBe(4);
  });

  it('property: always valid for STS', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.string({ maxLength: 80 }),
        fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/),
        (subject, tenant, clientId) => {
          expect(sourceIdentity({ subject, tenant, clientId })).toMatch(VALID);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: different principals get different identities', () => {
    const part = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', '@', '_', '.', '|', 'é'), maxLength: 6 }),
      fc.string({ maxLength: 70 }),
    );
    const client = fc.oneof(fc.constantFrom('a', 'b', 'a_b', 'a.b'), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/));
    fc.assert(
      fc.property(part, part, client, part, part, client, (s1, t1, c1, s2, t2, c2) => {
        fc.pre(s1 !== s2 || t1 !== t2 || c1 !== c2);
        expect(sourceIdentity({ subject: s1, tenant: t1, clientId: c1 })).not.toBe(
          sourceIdentity({ subject: s2, tenant: t2, clientId: c2 }),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
