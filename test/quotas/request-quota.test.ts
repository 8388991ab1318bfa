/**
 * Request quotas (taken through the Admission, as every grant takes them) on the real Redis: several windows, a refused request costs nothing, release gives back, and an
 * unreachable store fails closed with StoreUnavailableError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createQuotaCounters, quotaKey, type CountWindow } from '../../src/quotas/index.js';
import { systemClock } from '../../src/shared/clock.js';
import type { KeyValueStore } from '../../src/store/types.js';
import { MemoryStore, RedisStore, StoreUnavailableError } from '../../src/store/index.js';
import { redisConfig, redisScope } from '../store/helpers.js';

const scope = redisScope('quota');
const { prefix, raw, opened } = scope;
afterAll(() => scope.cleanup());

const redis = (): Promise<RedisStore> => scope.store();

const hourAndDay = [
  { limit: 3, windowSeconds: 3600 },
  { limit: 5, windowSeconds: 86_400 },
];

/**
 * The request quota as a grant takes it (the Admission, without a byte reservation or rate limits), in the
 * shape these cases read: allowed, or refused naming the window and a Retry-After.
 */
function createQuotaCounter(store: KeyValueStore) {
  const admission = createQuotaCounters(store, systemClock).admission;
  return {
    async consume(req: { principalKey: string; profile: string; windows: CountWindow[] }) {
      const grant = { principalKey: req.principalKey, profile: req.profile, quota: req.windows };
      const verdict = (await admission.admit({ grant })).grant;
      if (verdict === undefined || (!verdict.taken && verdict.by !== 'quota')) throw new Error(`unexpected ${JSON.stringify(verdict)}`);
      if (!verdict.taken) {
        const { limit, windowSeconds } = verdict.window;
        return { allowed: false as const, limit, windowSeconds, retryAfterSeconds: Math.max(1, Math.ceil(verdict.resetInMs / 1000)) };
      }
      let released = false;
      return {
        allowed: true as const,
        async release() {
          if (released) return;
          released = true;
          await admission.release(grant, verdict);
        },
      };
    },
  };
}

describe('the request quota', () => {
  it('allows up to the smallest limit, then refuses with the window and a Retry-After', async () => {
    const quota = createQuotaCounter(await redis());
    const req = { principalKey: 'acme/alice', profile: 'uploads', windows: hourAndDay };
    for (let i = 0; i < 3; i++) expect((await quota.consume(req)).allowed).toBe(true);
    const refused = await quota.consume(req);
    expect(refused).toMatchObject({ allowed: false, limit: 3, windowSeconds: 3600 });
    if (refused.allowed) throw new Error('unreachable');
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
  });

  it('a refused request gives back what it took in every window', async () => {
    const quota = createQuotaCounter(await redis());
    const req = { principalKey: 'acme/bob', profile: 'uploads', windows: hourAndDay };
    for (let i = 0; i < 3; i++) await quota.consume(req);
    for (let i = 0; i < 10; i++) expect((await quota.consume(req)).allowed).toBe(false);
    expect(await raw.get(prefix + quotaKey('uploads', 'acme/bob', 3600))).toBe('3');
    expect(await raw.get(prefix + quotaKey('uploads', 'acme/bob', 86_400))).toBe('3');
  });

  it('the longer window refuses even when the shorter one has room', async () => {
    const store = await redis();
    const quota = createQuotaCounter(store);
    const windows = [
      { limit: 10, windowSeconds: 60 },
      { limit: 2, windowSeconds: 86_400 },
    ];
    const req = { principalKey: 'acme/carol', profile: 'uploads', windows };
    await quota.consume(req);
    await quota.consume(req);
    expect(await quota.consume(req)).toMatchObject({ allowed: false, limit: 2, windowSeconds: 86_400 });
    expect(await raw.get(prefix + quotaKey('uploads', 'acme/carol', 60))).toBe('2');
  });

  it('release gives the unit back once, however often it is called', async () => {
    const quota = createQuotaCounter(await redis());
    const req = { principalKey: 'acme/dave', profile: 'uploads', windows: [{ limit: 1, windowSeconds: 3600 }] };
    const first = await quota.consume(req);
    if (!first.allowed) throw new Error('expected allowed');
    expect((await quota.consume(req)).allowed).toBe(false);
    await first.release();
    await first.release();
    expect(await raw.get(prefix + quotaKey('uploads', 'acme/dave', 3600))).toBe('0');
    expect((await quota.consume(req)).allowed).toBe(true);
    expect((await quota.consume(req)).allowed).toBe(false);
  });

  it('concurrent requests never get more than the limit', async () => {
    const quota = createQuotaCounter(await redis());
    const req = { principalKey: 'acme/erin', profile: 'uploads', windows: hourAndDay };
    const results = await Promise.all(Array.from({ length: 40 }, () => quota.consume(req)));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(await raw.get(prefix + quotaKey('uploads', 'acme/erin', 3600))).toBe('3');
  });

  it('keys cannot collide through separators in profile or principal', () => {
    expect(quotaKey('a:b', 'c', 60)).not.toBe(quotaKey('a', 'b:c', 60));
  });

  it('profiles and principals are counted apart', async () => {
    const quota = createQuotaCounter(await redis());
    const one = [{ limit: 1, windowSeconds: 60 }];
    expect((await quota.consume({ principalKey: 'acme/p1', profile: 'a', windows: one })).allowed).toBe(true);
    expect((await quota.consume({ principalKey: 'acme/p2', profile: 'a', windows: one })).allowed).toBe(true);
    expect((await quota.consume({ principalKey: 'acme/p1', profile: 'b', windows: one })).allowed).toBe(true);
    expect((await quota.consume({ principalKey: 'acme/p1', profile: 'a', windows: one })).allowed).toBe(false);
    // One counter per (profile, principal) in Redis, each at the limit; the refused request left its counter as it was.
    for (const [profile, principal] of [
      ['a', 'acme/p1'],
      ['a', 'acme/p2'],
      ['b', 'acme/p1'],
    ] as const) {
      expect(await raw.get(prefix + quotaKey(profile, principal, 60)), `${profile} ${principal}`).toBe('1');
    }
  });

  it("one principal's windows share one Redis Cluster hash slot (one {hash tag}), as the atomic script needs", () => {
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    expect(tag(quotaKey('uploads', 'web:acme:{x}', 3600))).toBe(tag(quotaKey('uploads', 'web:acme:{x}', 86_400)));
    expect(tag(quotaKey('uploads', 'web:acme:{x}', 3600))).not.toBe(tag(quotaKey('uploads', 'web:acme:{y}', 3600)));
  });

  it('store unreachable: rejects with StoreUnavailableError (fail closed)', async () => {
    const dead = RedisStore.fromConfig(redisConfig(prefix, { url: 'redis://127.0.0.1:1' }));
    opened.push(dead);
    const quota = createQuotaCounter(dead);
    await expect(quota.consume({ principalKey: 'acme/frank', profile: 'uploads', windows: hourAndDay })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});

describe.each([
  ['RedisStore', redis],
  ['MemoryStore', async () => new MemoryStore()],
])('Retry-After comes from the window that refused (%s)', (_name, make) => {
  const hourOneDayTwo = [
    { limit: 1, windowSeconds: 3600 },
    { limit: 2, windowSeconds: 86_400 },
  ];

  it('requests racing a full hour are refused for the hour, while the day still has room', async () => {
    const store = await make();
    const quota = createQuotaCounter(store);
    const who = `acme/race-${_name}`;
    const req = { principalKey: who, profile: 'uploads', windows: hourOneDayTwo };
    expect((await quota.consume(req)).allowed).toBe(true);
    // Take-then-give-back let the first refused request briefly fill the day, and the second was refused naming the
    // day (Retry-After up to 24 h) although one unit of the day was still free.
    const refused = await Promise.all([quota.consume(req), quota.consume(req), quota.consume(req)]);
    for (const r of refused) {
      expect(r).toMatchObject({ allowed: false, limit: 1, windowSeconds: 3600 });
      if (r.allowed) throw new Error('unreachable');
      expect(r.retryAfterSeconds).toBeLessThanOrEqual(3600);
    }
    // Nothing was taken by the refused requests: the day still has its second unit.
    expect(await store.get(quotaKey('uploads', who, 86_400))).toBe('1');
  });

  it('when several windows are full, it names the one that frees up last', async () => {
    const quota = createQuotaCounter(await make());
    const req = {
      principalKey: `acme/both-${_name}`,
      profile: 'uploads',
      windows: [
        { limit: 1, windowSeconds: 3600 },
        { limit: 1, windowSeconds: 86_400 },
      ],
    };
    expect((await quota.consume(req)).allowed).toBe(true);
    const refused = await quota.consume(req);
    expect(refused).toMatchObject({ allowed: false, limit: 1, windowSeconds: 86_400 });
    if (refused.allowed) throw new Error('unreachable');
    expect(refused.retryAfterSeconds).toBeGreaterThan(3600);
  });
});
