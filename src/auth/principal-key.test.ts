import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { principalKey } from './index.js';

type Parts = { clientId: string; tenant: string; subject: string };

// A small alphabet of separators, quotes and lone surrogates, so near-collisions are common.
const part = fc.string({ unit: fc.constantFrom('a', ':', '"', '\\', ',', '[', '\uD800', '\uDC00', '\uFFFD'), maxLength: 6 });

/** A principal and another one made of the same characters with the boundaries between the parts moved. */
const resplit = fc.tuple(part, part, part, fc.nat(), fc.nat()).map(([clientId, tenant, subject, i, j]): [Parts, Parts] => {
  const joined = `${clientId}:${tenant}:${subject}`;
  const colons: number[] = [];
  for (let k = 0; k < joined.length; k++) if (joined[k] === ':') colons.push(k);
  const [p, q] = [colons[i % colons.length]!, colons[j % colons.length]!].sort((a, b) => a - b);
  const other =
    p === q
      ? { clientId, tenant, subject }
      : { clientId: joined.slice(0, p), tenant: joined.slice(p! + 1, q), subject: joined.slice(q! + 1) };
  return [{ clientId, tenant, subject }, other];
});

const same = (x: Parts, y: Parts) => x.clientId === y.clientId && x.tenant === y.tenant && x.subject === y.subject;

describe('principalKey', () => {
  it('separators inside claims cannot make two principals one key', () => {
    const a = principalKey({ clientId: 'web', tenant: 'a:b', subject: 'c' });
    const b = principalKey({ clientId: 'web', tenant: 'a', subject: 'b:c' });
    expect(a).not.toBe(b);
  });

  it('is injective when boundaries move, lone surrogates included, also as the UTF-8 bytes Redis sees', () => {
    fc.assert(
      fc.property(resplit, ([x, y]) => {
        expect(principalKey(x) === principalKey(y)).toBe(same(x, y));
        expect(Buffer.from(principalKey(x)).equals(Buffer.from(principalKey(y)))).toBe(same(x, y));
      }),
      { numRuns: 500 },
    );
  });

  it('never merges two different surrogate-damaged values into one key', () => {
    fc.assert(
      fc.property(fc.record({ clientId: part, tenant: part, subject: part }), part, (x, subject) => {
        const y = { ...x, subject };
        expect(Buffer.from(principalKey(x)).equals(Buffer.from(principalKey(y)))).toBe(same(x, y));
      }),
      { numRuns: 500 },
    );
  });
});
