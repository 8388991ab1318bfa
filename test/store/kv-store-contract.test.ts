/**
 * The KeyValueStore contract, run against both implementations with the same table: RedisStore on the real Redis
 * and MemoryStore. Whatever local mode does, production does too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStore, type KeyValueStore } from '../../src/store/index.js';
import { connectedStore, redisScope } from './helpers.js';

const scope = redisScope('kv-contract');
const { prefix, opened } = scope;
afterAll(() => scope.cleanup());

const implementations: Array<[string, () => Promise<KeyValueStore>]> = [
  ['RedisStore', async () => connectedStore(prefix)],
  ['MemoryStore', async () => new MemoryStore()],
];

describe.each(implementations)('%s', (_name, make) => {
  let n = 0;
  async function fresh(): Promise<{ store: KeyValueStore; k: (s: string) => string }> {
    const store = await make();
    opened.push(store);
    const ns = `t${n++}:`;
    return { store, k: (s) => ns + s };
  }

  it('get returns null for a missing key and the value after set', async () => {
    const { store, k } = await fresh();
    expect(await store.get(k('a'))).toBeNull();
    expect(await store.set(k('a'), 'one', 10_000)).toBe(true);
    expect(await store.get(k('a'))).toBe('one');
    expect(await store.set(k('a'), 'two', 10_000)).toBe(true);
    expect(await store.get(k('a'))).toBe('two');
  });

  it('set expires the key after its TTL', async () => {
    const { store, k } = await fresh();
    await store.set(k('short'), 'v', 30);
    await sleep(80);
    expect(await store.get(k('short'))).toBeNull();
  });

  it('set with onlyIfAbsent writes only when the key is absent', async () => {
    const { store, k } = await fresh();
    expect(await store.set(k('lock'), 'owner-1', 10_000, { onlyIfAbsent: true })).toBe(true);
    expect(await store.set(k('lock'), 'owner-2', 10_000, { onlyIfAbsent: true })).toBe(false);
    expect(await store.get(k('lock'))).toBe('owner-1');
  });

  it('onlyIfAbsent succeeds again once the previous value expired', async () => {
    const { store, k } = await fresh();
    await store.set(k('lock'), 'owner-1', 30, { onlyIfAbsent: true });
    await sleep(80);
    expect(await store.set(k('lock'), 'owner-2', 10_000, { onlyIfAbsent: true })).toBe(true);
  });

  it('refuses a TTL below 1 ms', async () => {
    const { store, k } = await fresh();
    await expect(store.set(k('x'), 'v', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(store.incrementWindow(k('x'), -5)).rejects.toBeInstanceOf(RangeError);
  });

  it('del removes a key and is fine on a missing one', async () => {
    const { store, k } = await fresh();
    await store.set(k('d'), 'v', 10_000);
    await store.del(k('d'));
    await store.del(k('never'));
    expect(await store.get(k('d'))).toBeNull();
  });

  it('deleteIfEquals deletes only while the value matches', async () => {
    const { store, k } = await fresh();
    await store.set(k('lock'), 'mine', 10_000);
    expect(await store.deleteIfEquals(k('lock'), 'theirs')).toBe(false);
    expect(await store.get(k('lock'))).toBe('mine');
    expect(await store.deleteIfEquals(k('lock'), 'mine')).toBe(true);
    expect(await store.get(k('lock'))).toBeNull();
    expect(await store.deleteIfEquals(k('lock'), 'mine')).toBe(false);
  });

  it('incrementWindow counts and reports the time left in the window', async () => {
    const { store, k } = await fresh();
    const first = await store.incrementWindow(k('c'), 60_000);
    expect(first.count).toBe(1);
    expect(first.resetInMs).toBeGreaterThan(0);
    expect(first.resetInMs).toBeLessThanOrEqual(60_000);
    const second = await store.incrementWindow(k('c'), 60_000);
    expect(second.count).toBe(2);
    expect(second.resetInMs).toBeLessThanOrEqual(first.resetInMs);
  });

  it('incrementWindow is atomic under concurrency', async () => {
    const { store, k } = await fresh();
    const results = await Promise.all(Array.from({ length: 100 }, () => store.incrementWindow(k('race'), 60_000)));
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('incrementWindow starts a new window after the old one ends', async () => {
    const { store, k } = await fresh();
    await store.incrementWindow(k('w'), 30);
    await store.incrementWindow(k('w'), 30);
    await sleep(80);
    expect((await store.incrementWindow(k('w'), 30)).count).toBe(1);
  });

  it('decrement gives one back inside the window', async () => {
    const { store, k } = await fresh();
    await store.incrementWindow(k('q'), 60_000);
    await store.incrementWindow(k('q'), 60_000);
    await store.decrement(k('q'));
    expect(await store.get(k('q'))).toBe('1');
    expect((await store.incrementWindow(k('q'), 60_000)).count).toBe(2);
  });

  it('decrement on a missing or expired counter creates nothing (no counter without expiry)', async () => {
    const { store, k } = await fresh();
    await store.decrement(k('none'));
    expect(await store.get(k('none'))).toBeNull();
    expect((await store.incrementWindow(k('none'), 60_000)).count).toBe(1);
  });

  it('ping resolves while the store is usable', async () => {
    const { store } = await fresh();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
