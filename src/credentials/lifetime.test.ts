import { describe, expect, it } from 'vitest';
import { refreshAfterMs } from './lifetime.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const MIN = 300_000;

describe('refreshAfterMs', () => {
  it.each([
    ['a fresh 900 s token', 900_000, 600_000],
    ['a cached token with 301 s left', 301_000, 1_000],
    ['a token exactly at the floor', 300_000, 0],
  ])('%s: come back when it drops to the floor', (_name, left, after) => {
    expect(refreshAfterMs(NOW + left, NOW, MIN) - NOW).toBe(after);
  });

  it('a stale token: after the failure Retry-After, never later than a second before it expires', () => {
    expect(refreshAfterMs(NOW + 200_000, NOW, MIN, { retryAfterSeconds: 3 }) - NOW).toBe(3000);
    expect(refreshAfterMs(NOW + 200_000, NOW, MIN, {}) - NOW).toBe(5000);
    expect(refreshAfterMs(NOW + 2_500, NOW, MIN, { retryAfterSeconds: 30 }) - NOW).toBe(1500);
  });
});
