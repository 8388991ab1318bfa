import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

describe('constantTimeEqual', () => {
  it.each([
    ['equal strings', 'secret-value', 'secret-value', true],
    ['equal bytes', Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]), true],
    ['empty and empty', '', '', true],
    ['one byte differs', 'secret-value', 'secret-valuf', false],
    ['different lengths', 'short', 'a much longer value', false],
    ['prefix of the other', 'abc', 'abcd', false],
    ['empty and non-empty', '', 'x', false],
  ])('%s', (_name, a, b, expected) => {
    expect(() => constantTimeEqual(a, b)).not.toThrow();
    expect(constantTimeEqual(a, b)).toBe(expected);
  });
});
