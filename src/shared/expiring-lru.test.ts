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

  it('maxEntries 0 disables it, and an already expired entry is not stored', () => {
    const clock = new ManualClock();
    const off = new ExpiringLru<string>(0, clock);
    off.set('a', 'A', clock.now() + 60_000);
    expect(off.get('a')).toBeUndefined();
    const on = new ExpiringLru<string>(5, clock);
    on.set('old', 'X', clock.now());
    expect(on.size).toBe(0);
  });
});
