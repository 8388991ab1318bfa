/**
 * The byte ledger contract, the same table against both implementations: the Lua scripts on the real Redis and the
 * in-memory ledger of local mode. Time is an injected clock; nothing waits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteItem, ByteLedger, ByteScope } from '../../src/quotas/byte-ledger.js';
import { MemoryByteLedger } from '../../src/quotas/memory-byte-ledger.js';
import { RedisByteLedger } from '../../src/quotas/redis-byte-ledger.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { ManualClock, redisScope } from '../store/helpers.js';

const scope = redisScope('byte-ledger');
afterAll(() => scope.cleanup());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const implementations: Array<[string, (clock: ManualClock) => Promise<ByteLedger>]> = [
  ['redis', async (clock) => new RedisByteLedger(await scope.store(), clock)],
  ['memory', async (clock) => new MemoryByteLedger(clock)],
];

let n = 0;
/** A fresh principal per test, so tests sharing one Redis prefix never see each other's counters. */
function who(windows: ByteScope['windows'] = [{ limitBytes: 100, windowSeconds: 3600 }]): ByteScope {
  n += 1;
  return { profile: 'uploads', principalKey: `web:acme:user-${n}-${Math.random().toString(36).slice(2)}`, windows };
}

const reserve = (id: string, bytes: number, expiresAt: number): ByteItem => ({ id, bytes, expiresAt, settle: 'callback' });
const charge = (id: string, bytes: number): ByteItem => ({ id, bytes, expiresAt: 0, settle: 'now' });

describe.each(implementations)('byte ledger (%s)', (_name, make) => {
  it('reserves up to the window, then refuses with the window and the time until it resets', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    const until = clock.now() + 10 * MINUTE;
    expect(await ledger.reserve(s, [reserve('a', 60, until)])).toEqual({ allowed: true });
    expect(await ledger.reserve(s, [reserve('b', 40, until)])).toEqual({ allowed: true });
    clock.advance(30 * MINUTE);
    // Reservations lapse at 10 minutes, so from 30 minutes on only the window's reset frees room... none were used:
    expect(await ledger.reserve(s, [reserve('c', 100, clock.now() + MINUTE)])).toEqual({ allowed: true });
    const refused = await ledger.reserve(s, [charge('d', 1)]);
    expect(refused).toMatchObject({ allowed: false, limitBytes: 100, windowSeconds: 3600 });
    // Only reservation "c" is in the way, and it lapses in a minute: the Retry-After says so.
    expect(refused.allowed === false && refused.retryAfterSeconds).toBe(60);
  });

  it('all items or none: a request that does not fit writes nothing', async () => {
    const ledger = await make(new ManualClock());
    const s = who();
    expect((await ledger.reserve(s, [charge('a', 50), charge('b', 51)])).allowed).toBe(false);
    expect(await ledger.usage(s)).toEqual([expect.objectContaining({ usedBytes: 0, reservedBytes: 0 })]);
  });

  it('every window must have room; the one that frees up last is named', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who([
      { limitBytes: 100, windowSeconds: 60 },
      { limitBytes: 150, windowSeconds: 86_400 },
    ]);
    expect((await ledger.reserve(s, [charge('a', 100)])).allowed).toBe(true);
    clock.advance(61_000);
    const refused = await ledger.reserve(s, [charge('b', 60)]);
    expect(refused).toMatchObject({ allowed: false, limitBytes: 150, windowSeconds: 86_400 });
    expect(refused.allowed === false && refused.retryAfterSeconds).toBe(86_400 - 61);
    expect((await ledger.reserve(s, [charge('c', 50)])).allowed).toBe(true);
  });

  it('settle turns a reservation into the actual size, once per upload', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    await ledger.reserve(s, [reserve('a', 80, clock.now() + HOUR)]);
    const upload = { id: 'a', actualBytes: 30, dedupeKey: 'etag-1', dedupeTtlMs: 2 * HOUR };
    expect(await ledger.settle(s, upload)).toBe('recorded');
    expect(await ledger.settle(s, upload)).toBe('duplicate');
    const [w] = await ledger.usage(s);
    expect(w).toMatchObject({ usedBytes: 30, reservedBytes: 0, limitBytes: 100, windowSeconds: 3600 });
    expect(w!.resetsAt).toBe(Date.UTC(2026, 10, 22, 11, 0, 0));
  });

  it('a second upload through the same grant replaces its charge (same key, overwritten)', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    await ledger.reserve(s, [reserve('a', 80, clock.now() + HOUR)]);
    await ledger.settle(s, { id: 'a', actualBytes: 30, dedupeKey: 'e1', dedupeTtlMs: HOUR });
    await ledger.settle(s, { id: 'a', actualBytes: 70, dedupeKey: 'e2', dedupeTtlMs: HOUR });
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 70, reservedBytes: 0 });
  });

  it('a callback for an unknown or lapsed reservation still counts what was stored', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    await ledger.reserve(s, [reserve('a', 50, clock.now() + MINUTE)]);
    clock.advance(2 * MINUTE);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    await ledger.settle(s, { id: 'a', actualBytes: 40, dedupeKey: 'late', dedupeTtlMs: HOUR });
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 40, reservedBytes: 0 });
  });

  it('usage says when the last live reservation lapses, and nothing once none is left', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    const start = clock.now();
    expect((await ledger.usage(s))[0]?.reservedUntil).toBeUndefined();
    await ledger.reserve(s, [reserve('a', 10, start + 20 * MINUTE), reserve('b', 10, start + 70 * MINUTE), charge('c', 5)]);
    expect((await ledger.usage(s))[0]).toMatchObject({ reservedBytes: 20, reservedUntil: start + 70 * MINUTE });
    // Settling the later one leaves the earlier as the last to lapse.
    await ledger.settle(s, { id: 'b', actualBytes: 7, dedupeKey: 'b', dedupeTtlMs: HOUR });
    expect((await ledger.usage(s))[0]).toMatchObject({ reservedBytes: 10, reservedUntil: start + 20 * MINUTE });
    clock.advance(20 * MINUTE);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 12, reservedBytes: 0, reservedUntil: undefined });
  });

  it('release gives back reservations and immediate charges', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    await ledger.reserve(s, [charge('x', 5)]);
    const decision = await ledger.reserve(s, [reserve('a', 30, clock.now() + HOUR), charge('b', 20)]);
    expect(decision).toEqual({ allowed: true, charge: { bytes: 20, windowResetAts: [clock.now() + HOUR] } });
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 25, reservedBytes: 30 });
    await ledger.release(s, ['a', 'b'], decision.allowed ? decision.charge : undefined);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 5, reservedBytes: 0 });
    // Ids alone give back the reservation again (nothing left) and never an immediate charge.
    await ledger.release(s, ['a', 'b']);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 5, reservedBytes: 0 });
  });

  it('an immediate charge goes back only to the window instance it was charged to', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    const first = await ledger.reserve(s, [charge('a', 50)]);
    clock.advance(HOUR + 1);
    await ledger.reserve(s, [charge('b', 30)]);
    await ledger.release(s, ['a'], first.allowed ? first.charge : undefined);
    // The window that held "a" is gone; the new one keeps its 30 bytes (giving 50 back would allow more).
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 30 });
  });

  it('a new window starts from zero used bytes but carries live reservations', async () => {
    const clock = new ManualClock();
    const ledger = await make(clock);
    const s = who();
    await ledger.reserve(s, [charge('a', 50), reserve('b', 40, clock.now() + 2 * HOUR)]);
    clock.advance(HOUR + 1);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 0, reservedBytes: 40 });
    expect((await ledger.reserve(s, [charge('c', 61)])).allowed).toBe(false);
    expect((await ledger.reserve(s, [charge('c', 60)])).allowed).toBe(true);
  });

  it('usage of a window that has not started is zero and creates nothing', async () => {
    const ledger = await make(new ManualClock());
    expect(await ledger.usage(who())).toEqual([
      { windowSeconds: 3600, limitBytes: 100, usedBytes: 0, reservedBytes: 0, resetsAt: undefined },
    ]);
  });

  it('scopes never share counters: another principal or profile starts empty', async () => {
    const ledger = await make(new ManualClock());
    const s = who();
    await ledger.reserve(s, [charge('a', 100)]);
    expect((await ledger.reserve({ ...s, principalKey: `${s.principalKey}x` }, [charge('a', 100)])).allowed).toBe(true);
    expect((await ledger.reserve({ ...s, profile: 'other' }, [charge('a', 100)])).allowed).toBe(true);
  });
});

describe('RedisByteLedger', () => {
  it('keeps every key of a principal in one hash slot and gives every key an expiry', async () => {
    const clock = new ManualClock();
    const ledger = new RedisByteLedger(await scope.store(), clock);
    const s = who([
      { limitBytes: 100, windowSeconds: 60 },
      { limitBytes: 1000, windowSeconds: 86_400 },
    ]);
    await ledger.reserve(s, [reserve('a', 10, clock.now() + HOUR)]);
    await ledger.settle(s, { id: 'a', actualBytes: 5, dedupeKey: 'e', dedupeTtlMs: HOUR });
    const keys = await scope.raw.keys(`${scope.prefix}bq:*${encodeURIComponent(s.principalKey)}*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    // Redis Cluster hashes only the first non-empty {…} of a key (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
    const tags = keys.map((k) => /\{([^}]+)\}/.exec(k)?.[1]);
    expect(tags.every((t) => t?.includes(encodeURIComponent(s.principalKey)))).toBe(true);
    expect(new Set(tags).size).toBe(1);
    for (const k of keys) expect(await scope.raw.pttl(k)).toBeGreaterThan(0);
  });

  it('an immediate charge adds to the window and leaves no field per grant', async () => {
    const clock = new ManualClock();
    const ledger = new RedisByteLedger(await scope.store(), clock);
    const s = who([{ limitBytes: 1_000_000, windowSeconds: 86_400 }]);
    for (let i = 0; i < 50; i += 1) await ledger.reserve(s, [charge(`grant-${i}`, 10), charge(`grant-${i}-2`, 10)]);
    expect((await ledger.usage(s))[0]).toMatchObject({ usedBytes: 1000 });
    const [hash] = await scope.raw.keys(`${scope.prefix}bq:*${encodeURIComponent(s.principalKey)}*:86400s`);
    expect(await scope.raw.hkeys(hash!)).toEqual(expect.arrayContaining(['resetAt', 'used', 'reserved']));
    expect(await scope.raw.hlen(hash!)).toBe(3);
  });

  it('fails closed when Redis cannot be reached', async () => {
    const store = await scope.store();
    const ledger = new RedisByteLedger(store, new ManualClock());
    store.client.disconnect();
    await expect(ledger.reserve(who(), [charge('a', 1)])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
