/** The limits argument of the ADMIT script: its format, and a memo that can never send a stale limit. */
import { describe, expect, it } from 'vitest';
import { AdmitLimitsMemo, admitLimits, NO_WINDOWS } from './admit-limits.js';

const deepFrozen = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFrozen(child);
    Object.freeze(value);
  }
  return value;
};

describe('admitLimits', () => {
  it('lists the principal window, the distinct quota windows and the byte windows, in KEYS order', () => {
    const limits = admitLimits(
      { limit: 120, windowSeconds: 60 },
      [
        { limit: 60, windowSeconds: 3600 },
        { limit: 500, windowSeconds: 86_400 },
        { limit: 40, windowSeconds: 3600 }, // the same length as the first: the stricter one counts
      ],
      [{ limitBytes: 2 ** 46, windowSeconds: 86_400 }],
    );
    expect(limits.arg).toBe('60000 120 2 40 3600000 500 86400000 1 86400000 70368744177664');
    expect(limits.quota).toEqual([
      { limit: 40, windowSeconds: 3600 },
      { limit: 500, windowSeconds: 86_400 },
    ]);
    expect(limits.byteWindows).toEqual([{ limitBytes: 2 ** 46, windowSeconds: 86_400 }]);
  });

  it("says '0 0' without a principal limit, and 0 windows without a grant", () => {
    expect(admitLimits(undefined, NO_WINDOWS, undefined).arg).toBe('0 0 0 0');
    expect(admitLimits({ limit: 5, windowSeconds: 1 }, NO_WINDOWS, undefined).arg).toBe('1000 5 0 0');
  });

  it('refuses a window no TTL can express, as every store call does', () => {
    expect(() => admitLimits({ limit: 5, windowSeconds: 0 }, NO_WINDOWS, undefined)).toThrow();
  });
});

describe('AdmitLimitsMemo', () => {
  it('makes the limits of frozen windows (the configuration) once', () => {
    const memo = new AdmitLimitsMemo();
    const principal = deepFrozen({ limit: 120, windowSeconds: 60 });
    const quota = deepFrozen([{ limit: 60, windowSeconds: 3600 }]);
    const bytes = deepFrozen([{ limitBytes: 1000, windowSeconds: 3600 }]);
    const first = memo.of(principal, quota, bytes);
    expect(memo.of(principal, quota, bytes)).toBe(first);
    // Another combination of the same quota windows has limits of its own.
    const withoutBytes = memo.of(principal, quota, undefined);
    expect(withoutBytes.arg).toBe('60000 120 1 60 3600000 0');
    expect(memo.of(undefined, quota, bytes).arg).toBe('0 0 1 60 3600000 1 3600000 1000');
    expect(memo.of(principal, quota, bytes)).toBe(first);
  });

  it('formats windows that can still change every time, so a changed limit is the one sent', () => {
    const memo = new AdmitLimitsMemo();
    const principal = deepFrozen({ limit: 120, windowSeconds: 60 });
    const quota = [{ limit: 60, windowSeconds: 3600 }];
    expect(memo.of(principal, quota, undefined).arg).toBe('60000 120 1 60 3600000 0');
    quota[0]!.limit = 61;
    expect(memo.of(principal, quota, undefined).arg).toBe('60000 120 1 61 3600000 0');
    // A frozen array of windows that can still change is not frozen enough.
    const window = { limit: 7, windowSeconds: 3600 };
    const shallow = Object.freeze([window]);
    expect(memo.of(principal, shallow, undefined).arg).toBe('60000 120 1 7 3600000 0');
    window.limit = 8;
    expect(memo.of(principal, shallow, undefined).arg).toBe('60000 120 1 8 3600000 0');
  });

  it('stays correct past the few combinations it keeps per quota list', () => {
    const memo = new AdmitLimitsMemo();
    const quota = deepFrozen([{ limit: 60, windowSeconds: 3600 }]);
    const principals = Array.from({ length: 10 }, (_, i) => deepFrozen({ limit: i + 1, windowSeconds: 60 }));
    for (let round = 0; round < 2; round += 1) {
      for (const [i, principal] of principals.entries()) {
        expect(memo.of(principal, quota, undefined).arg).toBe(`60000 ${i + 1} 1 60 3600000 0`);
      }
    }
  });
});
