/**
 * The Admission contract, the same table against both implementations: the Redis scripts on the real Redis and the
 * in-memory admission of local mode. Counters are read back through the store and the byte ledger, never through the
 * module under test. Time for the byte windows is an injected clock; nothing waits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Admission, GrantTake } from '../../src/quotas/admission.js';
import { ipLimitKey, principalLimitKey } from '../../src/quotas/admission.js';
import type { ByteItem, ByteLedger } from '../../src/quotas/byte-ledger.js';
import { createQuotaCounters } from '../../src/quotas/create-quota-counters.js';
import { quotaKey } from '../../src/quotas/request-quota.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { KeyValueStore } from '../../src/store/types.js';
import { ManualClock, redisScope } from '../store/helpers.js';

const scope = redisScope('admission');
afterAll(() => scope.cleanup());

const HOUR = 3_600_000;

interface Setup {
  store: KeyValueStore;
  clock: ManualClock;
  admission: Admission;
  /** The byte counters as settle and usage see them (the same ledger in local mode). */
  ledger: ByteLedger;
}

const implementations: Array<[string, () => Promise<Setup>]> = [
  [
    'redis',
    async () => {
      const clock = new ManualClock();
      const store = await scope.store();
      return { store, clock, ...createQuotaCounters(store, clock) };
    },
  ],
  [
    'memory',
    async () => {
      const clock = new ManualClock();
      const store = new MemoryStore({ clock });
      return { store, clock, ...createQuotaCounters(store, clock) };
    },
  ],
];

let n = 0;
/** A fresh principal and address per test, so tests sharing one Redis prefix never see each other's counters. */
function fresh(): { principalKey: string; address: string } {
  n += 1;
  const id = `${n}-${Math.random().toString(36).slice(2)}`;
  return { principalKey: `web:acme:{user-${id}}`, address: `198.51.100.${n % 250}-${id}` };
}

const reserve = (id: string, bytes: number, expiresAt: number): ByteItem => ({ id, bytes, expiresAt, settle: 'callback' });
const chargeNow = (id: string, bytes: number): ByteItem => ({ id, bytes, expiresAt: 0, settle: 'now' });

function grantOf(principalKey: string, over: Partial<GrantTake> = {}): GrantTake {
  return {
    principalKey,
    profile: 'uploads',
    quota: [{ limit: 2, windowSeconds: 3600 }],
    bytes: { windows: [{ limitBytes: 100, windowSeconds: 3600 }], items: [] },
    ...over,
  };
}

async function counter(store: KeyValueStore, key: string): Promise<number> {
  return Number((await store.get(key)) ?? 0);
}

describe.each(implementations)('admission (%s)', (_name, make) => {
  it('ip only: counts the address in a fixed window that starts with the first hit', async () => {
    const { store, admission } = await make();
    const { address } = fresh();
    const ip = { address, window: { limit: 5, windowSeconds: 60 } };
    expect(await admission.admit({ ip })).toEqual({ ip: { count: 1, resetInMs: 60_000 } });
    const second = await admission.admit({ ip });
    expect(Object.keys(second)).toEqual(['ip']);
    expect(second.ip?.count).toBe(2);
    expect(second.ip?.resetInMs).toBeGreaterThan(0);
    expect(second.ip?.resetInMs).toBeLessThanOrEqual(60_000);
    expect(await counter(store, ipLimitKey(address))).toBe(2);
    expect(await store.get(`rl:ip:${address}`)).toBe('2');
  });

  it('principal only: counts the caller under its hash tag', async () => {
    const { store, admission } = await make();
    const { principalKey } = fresh();
    const principal = { principalKey, window: { limit: 1, windowSeconds: 60 } };
    expect(await admission.admit({ principal })).toEqual({ principal: { count: 1, resetInMs: 60_000 } });
    expect((await admission.admit({ principal })).principal?.count).toBe(2);
    expect(principalLimitKey(principalKey)).toBe(`rl:principal:{${encodeURIComponent(principalKey)}}`);
    expect(await counter(store, principalLimitKey(principalKey))).toBe(2);
  });

  it('all three: counts both limits and takes the quota unit and the bytes', async () => {
    const { store, clock, admission, ledger } = await make();
    const { principalKey, address } = fresh();
    const grant = grantOf(principalKey, {
      bytes: { windows: [{ limitBytes: 100, windowSeconds: 3600 }], items: [reserve('a', 30, clock.now() + HOUR)] },
    });
    const result = await admission.admit({
      ip: { address, window: { limit: 9, windowSeconds: 60 } },
      principal: { principalKey, window: { limit: 9, windowSeconds: 60 } },
      grant,
    });
    expect(result).toEqual({
      ip: { count: 1, resetInMs: 60_000 },
      principal: { count: 1, resetInMs: 60_000 },
      grant: { taken: true },
    });
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(1);
    expect(await ledger.usage({ profile: 'uploads', principalKey, windows: grant.bytes?.windows ?? [] })).toEqual([
      expect.objectContaining({ usedBytes: 0, reservedBytes: 30, resetsAt: clock.now() + HOUR }),
    ]);
  });

  it('principal over its limit: the grant is not attempted and nothing is taken', async () => {
    const { store, admission, ledger } = await make();
    const { principalKey } = fresh();
    const principal = { principalKey, window: { limit: 1, windowSeconds: 60 } };
    const grant = grantOf(principalKey, {
      bytes: { windows: [{ limitBytes: 100, windowSeconds: 3600 }], items: [chargeNow('a', 10)] },
    });
    expect((await admission.admit({ principal, grant })).grant).toEqual({ taken: true, charge: expect.anything() });
    const refused = await admission.admit({ principal, grant });
    expect(refused.principal?.count).toBe(2);
    expect('grant' in refused).toBe(false);
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(1);
    const [usage] = await ledger.usage({ profile: 'uploads', principalKey, windows: grant.bytes?.windows ?? [] });
    expect(usage?.usedBytes).toBe(10);
  });

  it('principal over its limit on the first grant: not even a window is started', async () => {
    const { store, admission, ledger } = await make();
    const { principalKey } = fresh();
    const grant = grantOf(principalKey, {
      bytes: { windows: [{ limitBytes: 100, windowSeconds: 3600 }], items: [chargeNow('a', 10)] },
    });
    const result = await admission.admit({ principal: { principalKey, window: { limit: 0, windowSeconds: 60 } }, grant });
    expect(result).toEqual({ principal: { count: 1, resetInMs: 60_000 } });
    expect(await store.get(quotaKey('uploads', principalKey, 3600))).toBeNull();
    expect(await ledger.usage({ profile: 'uploads', principalKey, windows: grant.bytes?.windows ?? [] })).toEqual([
      expect.objectContaining({ usedBytes: 0, reservedBytes: 0, resetsAt: undefined }),
    ]);
  });

  it('quota full: refused by quota, the bytes untouched, the principal counted', async () => {
    const { store, clock, admission, ledger } = await make();
    const { principalKey } = fresh();
    const principal = { principalKey, window: { limit: 10, windowSeconds: 60 } };
    const quotaOnly = grantOf(principalKey, { quota: [{ limit: 1, windowSeconds: 3600 }], bytes: undefined });
    expect((await admission.admit({ principal, grant: quotaOnly })).grant).toEqual({ taken: true });
    const withBytes = {
      ...quotaOnly,
      bytes: { windows: [{ limitBytes: 100, windowSeconds: 3600 }], items: [reserve('b', 5, clock.now() + HOUR)] },
    };
    const refused = await admission.admit({ principal, grant: withBytes });
    expect(refused.principal?.count).toBe(2);
    expect(refused.grant).toMatchObject({ taken: false, by: 'quota', window: { limit: 1, windowSeconds: 3600 } });
    const resetInMs = refused.grant?.taken === false && refused.grant.by === 'quota' ? refused.grant.resetInMs : -1;
    expect(resetInMs).toBeGreaterThan(0);
    expect(resetInMs).toBeLessThanOrEqual(HOUR);
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(1);
    expect(await ledger.usage({ profile: 'uploads', principalKey, windows: withBytes.bytes.windows })).toEqual([
      expect.objectContaining({ usedBytes: 0, reservedBytes: 0, resetsAt: undefined }),
    ]);
  });

  it('bytes full: refused by bytes with the wait, the quota unit not taken', async () => {
    const { store, clock, admission, ledger } = await make();
    const { principalKey } = fresh();
    const windows = [{ limitBytes: 100, windowSeconds: 3600 }];
    const first = grantOf(principalKey, { bytes: { windows, items: [reserve('a', 80, clock.now() + 10 * 60_000)] } });
    expect((await admission.admit({ grant: first })).grant).toEqual({ taken: true });
    clock.advance(60_000);
    const refused = await admission.admit({ grant: grantOf(principalKey, { bytes: { windows, items: [chargeNow('b', 30)] } }) });
    // Only the reservation is in the way, and it lapses in nine minutes: sooner than the window's reset.
    expect(refused).toEqual({ grant: { taken: false, by: 'bytes', window: windows[0], retryInMs: 9 * 60_000 } });
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(1);
    expect(await ledger.usage({ profile: 'uploads', principalKey, windows })).toEqual([
      expect.objectContaining({ usedBytes: 0, reservedBytes: 80 }),
    ]);
  });

  it('both full: the quota is named', async () => {
    const { clock, admission } = await make();
    const { principalKey } = fresh();
    const windows = [{ limitBytes: 100, windowSeconds: 3600 }];
    const quota = [{ limit: 1, windowSeconds: 3600 }];
    await admission.admit({ grant: grantOf(principalKey, { quota, bytes: { windows, items: [reserve('a', 100, clock.now() + HOUR)] } }) });
    const refused = await admission.admit({ grant: grantOf(principalKey, { quota, bytes: { windows, items: [chargeNow('b', 1)] } }) });
    expect(refused.grant).toMatchObject({ taken: false, by: 'quota', window: quota[0] });
  });

  it('several quota windows: all must have room, the full one that frees up last is named, same lengths keep the stricter', async () => {
    const { store, admission } = await make();
    const { principalKey } = fresh();
    const quota = [
      { limit: 5, windowSeconds: 60 },
      { limit: 1, windowSeconds: 60 },
      { limit: 1, windowSeconds: 86_400 },
    ];
    expect((await admission.admit({ grant: grantOf(principalKey, { quota, bytes: undefined }) })).grant).toEqual({ taken: true });
    const refused = await admission.admit({ grant: grantOf(principalKey, { quota, bytes: undefined }) });
    expect(refused.grant).toMatchObject({ taken: false, by: 'quota', window: { limit: 1, windowSeconds: 86_400 } });
    expect(await counter(store, quotaKey('uploads', principalKey, 60))).toBe(1);
    expect(await counter(store, quotaKey('uploads', principalKey, 86_400))).toBe(1);
  });

  it('a grant without quota windows or declared items takes nothing and is taken', async () => {
    const { store, admission, ledger } = await make();
    const { principalKey } = fresh();
    const windows = [{ limitBytes: 100, windowSeconds: 3600 }];
    expect(await admission.admit({ grant: grantOf(principalKey, { quota: [], bytes: { windows, items: [] } }) })).toEqual({
      grant: { taken: true },
    });
    expect(await store.get(quotaKey('uploads', principalKey, 3600))).toBeNull();
    expect(await ledger.usage({ profile: 'uploads', principalKey, windows })).toEqual([expect.objectContaining({ resetsAt: undefined })]);
  });

  it('the charge of items settled at once, and release gives back the quota unit, the reservation and the charge', async () => {
    const { store, clock, admission, ledger } = await make();
    const { principalKey } = fresh();
    const windows = [
      { limitBytes: 100, windowSeconds: 3600 },
      { limitBytes: 1000, windowSeconds: 86_400 },
    ];
    const grant = grantOf(principalKey, {
      bytes: { windows, items: [chargeNow('a', 20), reserve('b', 30, clock.now() + HOUR), chargeNow('c', 5)] },
    });
    const taken = (await admission.admit({ grant })).grant;
    expect(taken).toEqual({ taken: true, charge: { bytes: 25, windowResetAts: [clock.now() + HOUR, clock.now() + 86_400_000] } });
    const byteScope = { profile: 'uploads', principalKey, windows };
    expect((await ledger.usage(byteScope)).map((u) => [u.usedBytes, u.reservedBytes])).toEqual([
      [25, 30],
      [25, 30],
    ]);
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(1);

    if (taken?.taken !== true) throw new Error('unreachable');
    await admission.release(grant, taken);
    expect((await ledger.usage(byteScope)).map((u) => [u.usedBytes, u.reservedBytes])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(0);
  });

  it('release after the window rolled over gives back nothing to the new window', async () => {
    const { clock, admission, ledger } = await make();
    const { principalKey } = fresh();
    const windows = [{ limitBytes: 100, windowSeconds: 60 }];
    const grant = grantOf(principalKey, { quota: [], bytes: { windows, items: [chargeNow('a', 20)] } });
    const taken = (await admission.admit({ grant })).grant;
    clock.advance(61_000);
    await admission.admit({ grant: grantOf(principalKey, { quota: [], bytes: { windows, items: [chargeNow('b', 7)] } }) });
    if (taken?.taken !== true) throw new Error('unreachable');
    await admission.release(grant, taken);
    expect((await ledger.usage({ profile: 'uploads', principalKey, windows }))[0]?.usedBytes).toBe(7);
  });

  it('writes what the separate quota counter and byte ledger wrote', async () => {
    const { store, clock, admission, ledger } = await make();
    const windows = [
      { limitBytes: 100, windowSeconds: 3600 },
      { limitBytes: 500, windowSeconds: 86_400 },
    ];
    const items = [reserve('r1', 10, clock.now() + HOUR), chargeNow('c1', 7)];
    const viaAdmission = fresh().principalKey;
    const viaLedger = fresh().principalKey;
    const verdict = await admission.admit({ grant: grantOf(viaAdmission, { bytes: { windows, items } }) });
    const decision = await ledger.reserve({ profile: 'uploads', principalKey: viaLedger, windows }, items);
    expect(verdict.grant).toEqual({ taken: true, charge: decision.allowed ? decision.charge : undefined });
    await store.incrementWindow(quotaKey('uploads', viaLedger, 3600), HOUR);
    for (const who of [viaAdmission, viaLedger]) expect(await counter(store, quotaKey('uploads', who, 3600))).toBe(1);
    const usage = async (principalKey: string) => ledger.usage({ profile: 'uploads', principalKey, windows });
    expect(await usage(viaAdmission)).toEqual(await usage(viaLedger));
  });

  it('racing grants: exactly what fits is taken, and a grant refused by bytes holds no quota unit', async () => {
    const { store, clock, admission, ledger } = await make();
    const { principalKey } = fresh();
    const windows = [{ limitBytes: 100, windowSeconds: 3600 }];
    const grants = Array.from({ length: 10 }, (_, i) =>
      grantOf(principalKey, {
        quota: [{ limit: 5, windowSeconds: 3600 }],
        bytes: { windows, items: [reserve(`r${i}`, 30, clock.now() + HOUR)] },
      }),
    );
    const verdicts = await Promise.all(grants.map((grant) => admission.admit({ grant })));
    expect(verdicts.filter((v) => v.grant?.taken === true)).toHaveLength(3);
    expect(verdicts.filter((v) => v.grant?.taken === false && v.grant.by === 'bytes')).toHaveLength(7);
    expect(await counter(store, quotaKey('uploads', principalKey, 3600))).toBe(3);
    expect((await ledger.usage({ profile: 'uploads', principalKey, windows }))[0]?.reservedBytes).toBe(90);
  });
});
