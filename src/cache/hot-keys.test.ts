import { describe, expect, it } from 'vitest';
import { HotKeys, type IssueToken } from './hot-keys.js';

const issue: IssueToken = () => Promise.reject(new Error('not called'));

/** The keys the registry holds: with tokens already under the floor, every held key is due. */
function held(hot: HotKeys, now: number): string[] {
  return hot
    .due(now)
    .map(([key]) => key)
    .sort();
}

describe('HotKeys', () => {
  const options = { hotMs: 60_000, leadMs: 0, minRemainingMs: 0, retryMs: 5_000 };

  it('drops the least recently moved key when full; a request moves a key that drifted into the older half', () => {
    const hot = new HotKeys({ ...options, maxKeys: 4 });
    for (const key of ['a', 'b', 'c', 'd']) hot.touch(key, issue, 0, 0);
    hot.touch('d', issue, 0, 1); // the youngest: not moved
    hot.touch('a', issue, 0, 1); // three others came after it (>= 4 / 2): moved to the young end
    hot.touch('e', issue, 0, 1);
    expect(held(hot, 1)).toEqual(['a', 'c', 'd', 'e']);
    expect(hot.size).toBe(4);
  });

  it('a request keeps a key hot and updates what it knows, moved or not', () => {
    const hot = new HotKeys({ ...options, maxKeys: 100 });
    hot.touch('a', issue, 10, 0);
    hot.touch('a', issue, 20, 50_000);
    // Requested 50 s in, so still hot at 100 s (hotMs 60 s), with the newer expiry.
    expect(hot.due(100_000).map(([key, entry]) => [key, entry.expiresAt, entry.lastRequestedAt])).toEqual([['a', 20, 50_000]]);
    expect(hot.due(111_000)).toEqual([]);
  });

  it('never drops a key before maxKeys / 2 other keys were requested after its last request', () => {
    const maxKeys = 16;
    const hot = new HotKeys({ ...options, maxKeys });
    let seed = 7;
    let requests = 0;
    const lastRequestAt = new Map<string, number>();
    for (let step = 0; step < 3_000; step++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const key = String(Math.floor(seed / 2 ** 16) % 40);
      requests += 1;
      hot.touch(key, issue, 0, 0);
      lastRequestAt.set(key, requests);
      const present = new Set(held(hot, 0));
      for (const [k, at] of lastRequestAt) {
        if (present.has(k)) continue;
        lastRequestAt.delete(k);
        expect(requests - at).toBeGreaterThanOrEqual(maxKeys / 2);
      }
    }
  });
});
