import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: [3, 1, { d: null, c: true }] }, '{"a":[3,1,{"c":true,"d":null}],"b":1}'],
    [{ a: undefined, b: 'x' }, '{"b":"x"}'],
    ['a"\\\u0000', '"a\\"\\\\\\u0000"'],
    [[], '[]'],
    [{}, '{}'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
  ])('%j → %s', (value, text) => expect(canonicalJson(value)).toBe(text));

  it.each<[string, unknown]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['undefined in an array', [undefined]],
    ['a function', () => 1],
    ['a Date', new Date(0)],
    ['a bigint', 1n],
  ])('refuses %s', (_label, value) => expect(() => canonicalJson(value)).toThrow(/canonicalJson/));

  it('property: parses back to the same value and ignores key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        // JSON.parse turns -0 into 0 on the way back; compare canonical forms, which is what matters.
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const reversed = Object.fromEntries(Object.entries(value).reverse());
          expect(canonicalJson(reversed)).toBe(text);
        }
      }),
    );
  });
});
