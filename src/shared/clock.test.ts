import { describe, expect, it } from 'vitest';
import { isoMillis, isoSeconds, smallInt } from './clock.js';

describe('instants as text', () => {
  it('isoMillis is Date#toISOString, for the same instant again and for the next one', () => {
    for (const ms of [0, 1_800_000_000_123, 1_800_000_000_123, 1_800_000_000_124, 1_799_999_999_999]) {
      expect(isoMillis(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('isoSeconds drops the milliseconds', () => {
    expect(isoSeconds(1_800_000_000_999)).toBe('2027-01-15T08:00:00Z');
    expect(isoSeconds(1_800_000_001_000)).toBe('2027-01-15T08:00:01Z');
  });
});

describe('smallInt', () => {
  it('keeps every value: only an int32 changes representation, never its value', () => {
    for (const ms of [0, 1, -1, 300_000, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1_796_555_798_735, 1.5, -0.25, Number.NaN]) {
      expect(Object.is(smallInt(ms), ms) || (ms === 0 && smallInt(ms) === 0)).toBe(true);
    }
  });
});
