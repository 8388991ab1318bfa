/**
 * Refresh-ahead and stale tokens in the token cache, against the real Redis with an injected clock: a hot key's token
 * is re-issued in the background before it drops under the reuse floor, so requests keep hitting the cache; a cold key
 * is left alone; background rounds yield to foreground misses; two replicas refresh a key once between them; and a
 * token under the floor but above the stale floor can still be peeked for serve-stale.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenCache, tokenCacheKey, type RefreshResult, type TokenCacheOptions } from '../../src/cache/index.js';
import type { KeyValueStore } from '../../src/store/index.js';
import type { StsCredentials } from '../../src/sts/types.js';
import { ManualClock, redisScope } from '../store/helpers.js';

const scope = redisScope('refresh-ahead');
afterAll(() => scope.cleanup());
const encryptionKey = randomBytes(32);

const MIN = 300_000; // reuse floor
const LIFE = 900_000; // token lifetime
const LEAD = 60_000;

let seq = 0;
const freshKey = () =>
  tokenCacheKey({
    purpose: 'credentials',
    roleArn: 'acs:ram::1:role/r',
    policyJson: `{"n":${seq++}}`,
    durationSeconds: 900,
    roleSessionName: 's.u',
  });

/** STS as the cache sees it: counts foreground and background calls separately. */
function sts(clock: ManualClock, options: { gate?: Promise<void> } = {}) {
  const calls = { foreground: 0, background: 0 };
  let n = 0;
  const issue = async ({ background }: { background: boolean }): Promise<StsCredentials> => {
    calls[background ? 'background' : 'foreground'] += 1;
    await options.gate;
    n += 1;
    return { accessKeyId: `STS.${n}`, accessKeySecret: `s${n}`, securityToken: `t${n}`, expiresAt: clock.now() + LIFE };
  };
  return { calls, issue };
}

function cache(store: KeyValueStore, clock: ManualClock, extra: Partial<TokenCacheOptions> = {}) {
  const results: RefreshResult[] = [];
  const c = createTokenCache({
    store,
    encryptionKey,
    clock,
    minRemainingMs: MIN,
    staleFloorMs: 60_000,
    l1MaxEntries: 100,
    lockTtlMs: 10_000,
    refreshAhead: { leadMs: LEAD, hotMs: 600_000, maxKeys: 100, concurrency: 2, intervalMs: 0 },
    onRefresh: (r) => results.push(r),
    ...extra,
  });
  return Object.assign(c, { results });
}

describe('refresh-ahead', () => {
  it('keeps a hot key served from the cache across several token lifetimes; STS is only called in the background', async () => {
    const clock = new ManualClock();
    const c = cache(await scope.store(), clock);
    const s = sts(clock);
    const key = freshKey();
    expect((await c.getOrIssue(key, s.issue)).cached).toBe(false); // the first request is a miss, as always
    const served = new Set<string>();
    // A client asking every 4 minutes for an hour (four token lifetimes); a refresh round runs every 30 s.
    for (let t = 30_000; t <= 3_600_000; t += 30_000) {
      clock.advance(30_000);
      await c.refreshDue();
      if (t % 240_000 === 0) {
        const before = { ...s.calls };
        const result = await c.getOrIssue(key, s.issue);
        expect(result.cached).toBe(true);
        expect(s.calls).toEqual(before); // this request did not wait on STS
        expect(result.credentials.expiresAt - clock.now()).toBeGreaterThan(MIN);
        served.add(result.credentials.accessKeyId);
      }
    }
    expect(s.calls.foreground).toBe(1);
    expect(s.calls.background).toBeGreaterThanOrEqual(4);
    expect(served.size).toBeGreaterThanOrEqual(4);
    expect(c.results.every((r) => r === 'refreshed')).toBe(true);
  });

  it('leaves cold keys alone', async () => {
    const clock = new ManualClock();
    const c = cache(await scope.store(), clock);
    const s = sts(clock);
    await c.getOrIssue(freshKey(), s.issue);
    for (let i = 0; i < 40; i += 1) {
      clock.advance(60_000);
      await c.refreshDue();
    }
    // Requested once, 40 minutes ago: at most the one refresh due while it was still hot (10 minutes).
    expect(s.calls.background).toBeLessThanOrEqual(1);
    expect(s.calls.foreground).toBe(1);
  });

  it('yields to a foreground miss that is in progress', async () => {
    const clock = new ManualClock();
    const c = cache(await scope.store(), clock);
    const hotKey = freshKey();
    const s = sts(clock);
    await c.getOrIssue(hotKey, s.issue);
    clock.advance(LIFE - MIN - LEAD); // the hot key is due now
    let open: () => void = () => undefined;
    const slow = sts(clock, { gate: new Promise<void>((resolve) => (open = resolve)) });
    const miss = c.getOrIssue(freshKey(), slow.issue); // a client waits on this one
    await c.refreshDue();
    expect(s.calls.background).toBe(0);
    open();
    await miss;
    await c.refreshDue();
    expect(s.calls.background).toBe(1);
  });

  it('two replicas refresh a shared hot key once between them', async () => {
    const clock = new ManualClock();
    const a = cache(await scope.store(), clock);
    const b = cache(await scope.store(), clock);
    const s = sts(clock);
    const key = freshKey();
    await a.getOrIssue(key, s.issue);
    await b.getOrIssue(key, s.issue);
    clock.advance(LIFE - MIN - LEAD + 1000);
    await Promise.all([a.refreshDue(), b.refreshDue()]);
    await Promise.all([a.refreshDue(), b.refreshDue()]); // a replica that found the lock busy adopts the value next round
    expect(s.calls.background).toBe(1);
    expect([...a.results, ...b.results].filter((r) => r === 'refreshed')).toHaveLength(1);
    clock.advance(LEAD); // the old token is now under the floor: both replicas serve the new one without STS
    const [fromA, fromB] = [await a.getOrIssue(key, s.issue), await b.getOrIssue(key, s.issue)];
    expect(fromA.credentials.accessKeyId).toBe('STS.2');
    expect(fromB).toEqual(fromA);
    expect(s.calls).toEqual({ foreground: 1, background: 1 });
  });
});

describe('stale tokens', () => {
  it('peeks a token under the reuse floor but above the stale floor, from L1 or from Redis', async () => {
    const clock = new ManualClock();
    const store = await scope.store();
    const c = cache(store, clock, { refreshAhead: undefined });
    const s = sts(clock);
    const key = freshKey();
    await c.getOrIssue(key, s.issue);
    clock.advance(LIFE - 200_000); // 200 s left: under the 300 s floor
    expect((await c.peekStale(key))?.accessKeyId).toBe('STS.1');
    const other = cache(store, clock, { refreshAhead: undefined, l1MaxEntries: 0 }); // another replica, no L1
    expect((await other.peekStale(key))?.accessKeyId).toBe('STS.1');
    clock.advance(140_001); // 59.999 s left: under the stale floor
    expect(await c.peekStale(key)).toBeNull();
    expect(await other.peekStale(key)).toBeNull();
  });

  it('never hands a stale token out through getOrIssue', async () => {
    const clock = new ManualClock();
    const c = cache(await scope.store(), clock, { refreshAhead: undefined });
    const s = sts(clock);
    const key = freshKey();
    await c.getOrIssue(key, s.issue);
    clock.advance(LIFE - MIN);
    const again = await c.getOrIssue(key, s.issue);
    expect(again.cached).toBe(false);
    expect(again.credentials.accessKeyId).toBe('STS.2');
  });
});
