import { describe, expect, it } from 'vitest';
import { isoMillis, isoSeconds } from './clock.js';

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
