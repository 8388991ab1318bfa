/**
 * What only the Redis admission has: one round trip of at most two commands, keys that Redis Cluster accepts in one
 * script, repaired expiries, and store failures that fail closed. The commands are counted on the ioredis client of
 * the test's own RedisStore; the module under test is not touched.
 */
import { createRequire } from 'node:module';
import type { Command } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ipLimitKey, principalLimitKey, type AdmissionRequest, type GrantTake } from '../../src/quotas/admission.js';
import { byteScopeTag, byteWindowKeys } from '../../src/quotas/byte-ledger.js';
import { createQuotaCounters } from '../../src/quotas/create-quota-counters.js';
import { quotaKey } from '../../src/quotas/request-quota.js';
import type { RedisStore } from '../../src/store/redis-store.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { ManualClock, redisScope } from '../store/helpers.js';

/** ioredis's own slot function (a dependency of ioredis, without type declarations). */
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

const scope = redisScope('admission-redis');
afterAll(() => scope.cleanup());

const HOUR = 3_600_000;
let n = 0;
function who(): { principalKey: string; address: string } {
  n += 1;
  const id = `${n}-${Math.random().toString(36).slice(2)}`;
  return { principalKey: `web:acme:user-${id}`, address: `203.0.113.${n}-${id}` };
}

function grantOf(principalKey: string): GrantTake {
  return {
    principalKey,
    profile: 'up:loads',
    quota: [
      { limit: 5, windowSeconds: 3600 },
      { limit: 50, windowSeconds: 86_400 },
    ],
    bytes: {
      windows: [{ limitBytes: 1000, windowSeconds: 3600 }],
      items: [{ id: `item-${n}`, bytes: 10, expiresAt: Date.now() + HOUR, settle: 'callback' }],
    },
  };
}

function fullRequest(): AdmissionRequest {
  const { principalKey, address } = who();
  return {
    ip: { address, window: { limit: 100, windowSeconds: 60 } },
    principal: { principalKey, window: { limit: 100, windowSeconds: 60 } },
    grant: grantOf(principalKey),
  };
}

/** Records, in order, each command the store's client sends and each reply it receives. */
function recordTraffic(store: RedisStore): { events: string[]; stop(): void } {
  const events: string[] = [];
  const client = store.client;
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((command: Command, ...rest: unknown[]) => {
    events.push(`send ${command.name}`);
    command.promise.then(
      () => events.push('reply'),
      () => events.push('error'),
    );
    return (original as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return {
    events,
    stop: () => {
      // The wrapper is an own property over the prototype's method: removing it restores the client.
      Reflect.deleteProperty(client, 'sendCommand');
    },
  };
}

async function setUp() {
  const clock = new ManualClock(Date.now());
  const store = await scope.store();
  return { store, clock, ...createQuotaCounters(store, clock) };
}

describe('the Redis admission', () => {
  it('sends the per-IP count and the admit script before the first reply arrives: one round trip, two commands', async () => {
    const { store, admission } = await setUp();
    await admission.admit(fullRequest()); // the scripts are in Redis's cache from here on (no NOSCRIPT retry)
    const traffic = recordTraffic(store);
    try {
      const result = await admission.admit(fullRequest());
      expect(result.grant).toEqual({ taken: true });
      expect(traffic.events).toEqual(['send evalsha', 'send evalsha', 'reply', 'reply']);
    } finally {
      traffic.stop();
    }
  });

  it('one command without the per-IP limit, one with only it, one to release', async () => {
    const { store, admission } = await setUp();
    const { ip, principal, grant } = fullRequest();
    await admission.admit({ ip, principal, grant });
    // The release script into Redis's script cache too: on a fresh Redis its first call would be EVALSHA, NOSCRIPT,
    // then EVAL (redis-store.ts), three events for one command.
    const warm = await admission.admit({ principal, grant });
    if (grant !== undefined && warm.grant?.taken === true) await admission.release(grant, warm.grant);
    const traffic = recordTraffic(store);
    try {
      const taken = await admission.admit({ principal, grant });
      expect(traffic.events).toEqual(['send evalsha', 'reply']);
      traffic.events.length = 0;
      await admission.admit({ ip });
      expect(traffic.events).toEqual(['send evalsha', 'reply']);
      traffic.events.length = 0;
      if (grant === undefined || taken.grant?.taken !== true) throw new Error('unreachable');
      await admission.release(grant, taken.grant);
      expect(traffic.events).toEqual(['send evalsha', 'reply']);
    } finally {
      traffic.stop();
    }
  });

  it('counts windows of the deep-frozen configuration (made into arguments once) as it counts fresh ones', async () => {
    const { admission } = await setUp();
    const frozen = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) for (const child of Object.values(value)) frozen(child);
      return Object.freeze(value);
    };
    const config = frozen({
      loose: { limit: 100, windowSeconds: 60 },
      strict: { limit: 1, windowSeconds: 60 },
      quota: [{ limit: 2, windowSeconds: 3600 }],
      bytes: [{ limitBytes: 15, windowSeconds: 3600 }],
    });
    const { principalKey } = who();
    const grant = (bytes?: number): GrantTake => ({
      principalKey,
      profile: 'up:loads',
      quota: config.quota,
      ...(bytes === undefined
        ? {}
        : { bytes: { windows: config.bytes, items: [{ id: `item-${bytes}`, bytes, expiresAt: Date.now() + HOUR, settle: 'now' }] } }),
    });
    const loose = { principalKey, window: config.loose };
    expect((await admission.admit({ principal: loose, grant: grant(10) })).grant).toMatchObject({ taken: true, charge: { bytes: 10 } });
    // The same quota windows with the other principal window: its own limit (1), already passed, so no grant.
    const strict = await admission.admit({ principal: { principalKey, window: config.strict }, grant: grant(10) });
    expect(strict).toEqual({ principal: { count: 2, resetInMs: expect.any(Number) } });
    expect((await admission.admit({ principal: loose, grant: grant(10) })).grant).toMatchObject({
      taken: false,
      by: 'bytes',
      window: { limitBytes: 15 },
    });
    expect((await admission.admit({ principal: loose, grant: grant() })).grant).toEqual({ taken: true });
    expect((await admission.admit({ principal: loose, grant: grant() })).grant).toMatchObject({
      taken: false,
      by: 'quota',
      window: { limit: 2 },
    });
  });

  it('the keys of the principal limit and the grant share one Redis Cluster slot', () => {
    const principalKey = 'web:acme:{odd}:user';
    const tag = byteScopeTag('up:loads', principalKey);
    const keys = [
      principalLimitKey(principalKey),
      quotaKey('up:loads', principalKey, 3600),
      quotaKey('other', principalKey, 86_400),
      byteWindowKeys(tag, 3600).hash,
      byteWindowKeys(tag, 3600).expiries,
    ];
    const slots = new Set(keys.map((k) => calculateSlot(`osb:${k}`)));
    expect(slots.size).toBe(1);
    // Another principal lands in its own slot (almost surely; these two do).
    expect(calculateSlot(principalLimitKey('web:acme:someone-else'))).not.toBe(calculateSlot(principalLimitKey(principalKey)));
  });

  it('repairs a counter that lost its expiry: the principal limit, a quota window with room and a full one', async () => {
    const { admission } = await setUp();
    const { principalKey } = who();
    const p = scope.prefix;
    await scope.raw.set(`${p}${principalLimitKey(principalKey)}`, '3');
    await scope.raw.set(`${p}${quotaKey('up:loads', principalKey, 3600)}`, '1');
    await scope.raw.set(`${p}${quotaKey('up:loads', principalKey, 86_400)}`, '50');
    const grant = { ...grantOf(principalKey), bytes: undefined };
    const result = await admission.admit({ principal: { principalKey, window: { limit: 10, windowSeconds: 60 } }, grant });
    expect(result.principal).toEqual({ count: 4, resetInMs: 60_000 });
    expect(result.grant).toMatchObject({ taken: false, by: 'quota', window: { limit: 50, windowSeconds: 86_400 }, resetInMs: 86_400_000 });
    expect(await scope.raw.pttl(`${p}${principalLimitKey(principalKey)}`)).toBeGreaterThan(0);
    expect(await scope.raw.pttl(`${p}${quotaKey('up:loads', principalKey, 86_400)}`)).toBeGreaterThan(0);
    // Refused: the window with room was only read, so its missing expiry is repaired by the next take.
    expect(await scope.raw.get(`${p}${quotaKey('up:loads', principalKey, 3600)}`)).toBe('1');
    await scope.raw.del(`${p}${quotaKey('up:loads', principalKey, 86_400)}`);
    expect((await admission.admit({ grant })).grant).toEqual({ taken: true });
    expect(await scope.raw.get(`${p}${quotaKey('up:loads', principalKey, 3600)}`)).toBe('2');
    expect(await scope.raw.pttl(`${p}${quotaKey('up:loads', principalKey, 3600)}`)).toBeGreaterThan(0);
  });

  it('a key of the wrong type fails closed with StoreUnavailableError', async () => {
    const { admission } = await setUp();
    const request = fullRequest();
    const principalKey = request.principal?.principalKey ?? '';
    await scope.raw.hset(`${scope.prefix}${principalLimitKey(principalKey)}`, 'x', '1');
    await expect(admission.admit(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    // The failing script took nothing.
    expect(await scope.raw.get(`${scope.prefix}${quotaKey('up:loads', principalKey, 3600)}`)).toBeNull();
  });

  it('when the per-IP count fails, a grant the script took is given back before the failure leaves', async () => {
    const { admission, ledger } = await setUp();
    const request = fullRequest();
    const grant = request.grant as GrantTake;
    await scope.raw.hset(`${scope.prefix}${ipLimitKey(request.ip?.address ?? '')}`, 'x', '1');
    await expect(admission.admit(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await scope.raw.get(`${scope.prefix}${quotaKey('up:loads', grant.principalKey, 3600)}`)).toBe('0');
    const usage = await ledger.usage({ profile: grant.profile, principalKey: grant.principalKey, windows: grant.bytes?.windows ?? [] });
    expect(usage.map((u) => [u.usedBytes, u.reservedBytes])).toEqual([[0, 0]]);
  });

  it('a closed client fails closed with StoreUnavailableError', async () => {
    const { store, admission } = await setUp();
    await store.close();
    await expect(admission.admit(fullRequest())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(admission.admit({ ip: fullRequest().ip })).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
