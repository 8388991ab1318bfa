/** What only MemoryStore does: time from the injected clock, and a bounded size. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './index.js';
import { flatKey } from './memory-store.js';
import { ManualClock } from '../../dev/testing/clock.js';

describe('MemoryStore', () => {
  it('expires entries by the injected clock', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    await store.set('k', 'v', 1000);
    clock.advance(999);
    expect(await store.get('k')).toBe('v');
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
  });

  it('windows reset by the injected clock and report the time left', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    await store.incrementWindow('c', 60_000);
    clock.advance(20_000);
    expect(await store.incrementWindow('c', 60_000)).toEqual({ count: 2, resetInMs: 40_000 });
    clock.advance(40_000);
    expect(await store.incrementWindow('c', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
  });

  it('when full, drops expired entries before live ones', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock, maxEntries: 3 });
    await store.set('old-live', 'v', 60_000);
    await store.set('expiring-1', 'v', 100);
    await store.set('expiring-2', 'v', 100);
    clock.advance(200);
    await store.set('new', 'v', 60_000);
    expect(await store.get('old-live')).toBe('v');
    expect(await store.get('new')).toBe('v');
    expect(store.size).toBeLessThanOrEqual(3);
  });

  it('when full of live entries, evicts the oldest', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock, maxEntries: 2 });
    await store.set('a', '1', 60_000);
    await store.set('b', '2', 60_000);
    await store.set('c', '3', 60_000);
    expect(await store.get('a')).toBeNull();
    expect(await store.get('b')).toBe('2');
    expect(await store.get('c')).toBe('3');
    expect(store.size).toBe(2);
  });

  it('close empties it', async () => {
    const store = new MemoryStore();
    await store.set('a', '1', 60_000);
    await store.close();
    expect(await store.get('a')).toBeNull();
  });
});

describe('MemoryStore sweeps expired entries while not full', () => {
  it('keys never read again are dropped within the sweep interval, so the map plateaus', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock, maxEntries: 1_000_000 });
    // 20 "windows" of 500 short-lived keys each, none read again: without the sweep the map would hold all 10,000.
    for (let round = 0; round < 20; round += 1) {
      for (let i = 0; i < 500; i += 1) await store.set(`k:${round}:${i}`, 'v', 1000);
      clock.advance(5000);
    }
    await store.set('last', 'v', 1000);
    expect(store.size).toBeLessThanOrEqual(1001);
    expect(await store.get('last')).toBe('v');
  });

  it('never sweeps a live entry', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    await store.set('long', 'v', 60_000);
    clock.advance(30_000);
    await store.set('other', 'v', 1000);
    expect(await store.get('long')).toBe('v');
  });
});

describe('flatKey', () => {
  it('keeps the text of any key exactly, whatever it looks like', async () => {
    const built = (n: number) => `quota:{${encodeURIComponent(JSON.stringify(['web', 'acme', `u${n}`]))}}:documents:${n}s`;
    const keys = ['', '__proto__', 'constructor', '123', '4294967295', '-0', '1e3', '\ud800 lone', 'ünïcödé 🔑', built(7)];
    for (const key of keys) expect(flatKey(key)).toBe(key);
    const store = new MemoryStore();
    await store.set(built(3600), 'v', 60_000);
    expect(await store.get(built(3600))).toBe('v');
    expect(await store.get('__proto__')).toBeNull();
    await store.set('__proto__', 'p', 60_000);
    expect(await store.get('__proto__')).toBe('p');
  });
});
