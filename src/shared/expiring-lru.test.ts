import { describe, expect, it } from 'vitest';
import { ExpiringLru } from './expiring-lru.js';
import { ManualClock } from '../../dev/testing/clock.js';

describe('ExpiringLru', () => {
  it('expires entries by the injected clock', () => {
    const clock = new ManualClock();
    const l1 = new ExpiringLru<string>(10, clock);
    l1.set('a', 'A', clock.now() + 1000);
    clock.advance(999);
    expect(l1.get('a')).toBe('A');
    clock.advance(1);
    expect(l1.get('a')).toBeUndefined();
  });

  it('evicts the least recently used entry when full', () => {
    const clock = new ManualClock();
    const l1 = new ExpiringLru<string>(2, clock);
    const later = clock.now() + 60_000;
    l1.set('a', 'A', later);
    l1.set('b', 'B', later);
    expect(l1.get('a')).toBe('A'); // a is now the most recent
    l1.set('c', 'C', later);
    expect(l1.get('b')).toBeUndefined();
    expect(l1.get('a')).toBe('A');
    expect(l1.get('c')).toBe('C');
    expect(l1.size).toBe(2);
  });

  it('set on a key it holds replaces value and expiry in place, evicting nothing', () => {
    const clock = new ManualClock();
    const lru = new ExpiringLru<string>(2, clock);
    lru.set('a', 'A', clock.now() + 60_000);
    lru.set('b', 'B', clock.now() + 60_000);
    lru.set('a', 'A2', clock.now() + 1000); // full, but a is already held: b stays
    expect(lru.size).toBe(2);
    expect(lru.get('b')).toBe('B');
    expect(lru.get('a')).toBe('A2');
    clock.advance(1000); // the new, shorter expiry applies
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBe('B');
  });

  it('has() tells a live entry without moving it', () => {
    const clock = new ManualClock();
    const lru = new ExpiringLru<string>(2, clock);
    lru.set('a', 'A', clock.now() + 1000);
    lru.set('b', 'B', clock.now() + 60_000);
    expect(lru.has('a')).toBe(true);
    lru.set('c', 'C', clock.now() + 60_000); // a is still the oldest
    expect(lru.has('a')).toBe(false);
    clock.advance(60_000);
    expect(lru.has('b')).toBe(false);
  });

  it('maxEntries 0 disables it, and an already expired entry is not stored', () => {
    const clock = new ManualClock();
    const off = new ExpiringLru<string>(0, clock);
    off.set('a', 'A', clock.now() + 60_000);
    expect(off.get('a')).toBeUndefined();
    const on = new ExpiringLru<string>(5, clock);
    on.set('old', 'X', clock.now());
    expect(on.size).toBe(0);
  });

  it('moves a read entry only once it may have drifted into the older half', () => {
    const clock = new ManualClock();
    const lru = new ExpiringLru<string>(4, clock);
    const later = clock.now() + 60_000;
    for (const k of ['a', 'b', 'c', 'd']) lru.set(k, k, later);
    // d is the youngest: reading it moves nothing, so a stays the oldest and goes first.
    expect(lru.get('d')).toBe('d');
    // a drifted 3 insertions back (>= 4 / 2): the read moves it to the young end, so b goes next instead.
    expect(lru.get('a')).toBe('a');
    lru.set('e', 'e', later);
    expect(['a', 'b', 'c', 'd', 'e'].filter((k) => lru.has(k))).toEqual(['a', 'c', 'd', 'e']);
  });

  it('never evicts an entry before maxEntries / 2 other keys were used (inserted or read) after its last read', () => {
    const clock = new ManualClock();
    const maxEntries = 16;
    const lru = new ExpiringLru<number>(maxEntries, clock);
    const later = clock.now() + 60_000;
    // Deterministic pseudo-random keys over a key space larger than the cache (a linear congruential generator).
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 2 ** 16) % 40; // the high bits: an LCG's low bits repeat with a short period
    };
    let uses = 0;
    const lastReadAt = new Map<number, number>();
    for (let step = 0; step < 5_000; step++) {
      const key = next();
      uses += 1;
      lastReadAt.set(key, uses);
      if (lru.get(String(key)) !== undefined) continue;
      lru.set(String(key), key, later);
      expect(lru.size).toBeLessThanOrEqual(maxEntries);
      for (const [k, readAt] of lastReadAt) {
        if (lru.has(String(k))) continue;
        lastReadAt.delete(k);
        // A true LRU would need maxEntries - 1 other keys; a FIFO can evict a key read one use ago.
        expect(uses - readAt).toBeGreaterThanOrEqual(maxEntries / 2);
      }
    }
  });
});
