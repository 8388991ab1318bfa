/**
 * The token cache against the real Redis. Two cache instances with separate L1s sharing one Redis stand in for two
 * replicas. Credentials are fakes with recognisable secret strings so the tests can look for leaks.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenCache, tokenCacheKey, type TokenCacheOptions } from '../../src/cache/index.js';
import { RedisStore, type KeyValueStore } from '../../src/store/index.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import type { StsCredentials } from '../../src/sts/types.js';
import { ManualClock, collectingLogger, redisConfig, redisScope } from '../store/helpers.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';

const scope = redisScope('token-cache');
const { prefix, raw, opened } = scope;
afterAll(() => scope.cleanup());
const encryptionKey = randomBytes(32);

const redis = (): Promise<RedisStore> => scope.store();

let keySeq = 0;
function freshKey(): string {
  return tokenCacheKey({
    purpose: 'credentials',
    roleArn: 'acs:ram::123456789012:role/uploader',
    policyJson: `{"n":${keySeq++},"r":"${randomBytes(4).toString('hex')}"}`,
    durationSeconds: 900,
    roleSessionName: 'acme.alice',
  });
}

/** An issue() that counts calls, answers after `delayMs`, and mints credentials living `lifeMs` from `clock`. */
function issuer(clock: Clock, options: { delayMs?: number; lifeMs?: number } = {}) {
  const state = { calls: 0 };
  const issue = async (): Promise<StsCredentials> => {
    const n = ++state.calls;
    if (options.delayMs !== undefined) await sleep(options.delayMs);
    return {
      accessKeyId: `STS.id-${n}`,
      accessKeySecret: `SECRET-${n}-${randomBytes(8).toString('hex')}`,
      securityToken: `TOKEN-${n}-${randomBytes(16).toString('hex')}`,
      expiresAt: clock.now() + (options.lifeMs ?? 900_000),
    };
  };
  return Object.assign(state, { issue });
}

/** A pino logger at its lowest level (`trace`) that keeps every line it writes. */
function everyLevelLogger() {
  const chunks: string[] = [];
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  );
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, text, lines };
}

function cache(store: KeyValueStore, overrides: Partial<TokenCacheOptions> = {}) {
  return createTokenCache({
    store,
    encryptionKey,
    clock: systemClock,
    minRemainingMs: 300_000,
    l1MaxEntries: 100,
    lockTtlMs: 10_000,
    ...overrides,
  });
}

describe('createTokenCache', () => {
  it('first call issues, later calls hit L1 (no Redis needed)', async () => {
    const c = cache(await redis());
    const key = freshKey();
    const i = issuer(systemClock);
    const first = await c.getOrIssue(key, i.issue);
    expect(first.cached).toBe(false);
    await raw.del(`${prefix}token:${key}`); // L1 must answer without Redis
    const second = await c.getOrIssue(key, i.issue);
    expect(second).toEqual({ credentials: first.credentials, cached: true });
    expect(i.calls).toBe(1);
  });

  it('a second replica (own L1, same Redis) gets the cached token', async () => {
    const store = await redis();
    const a = cache(store);
    const b = cache(await redis());
    const key = freshKey();
    const i = issuer(systemClock);
    const issued = await a.getOrIssue(key, i.issue);
    const fromB = await b.getOrIssue(key, i.issue);
    expect(fromB).toEqual({ credentials: issued.credentials, cached: true });
    expect(i.calls).toBe(1);
  });

  it('a token with too little life left is not reused, from L1 or from Redis', async () => {
    const clock = new ManualClock();
    const store = await redis();
    const a = cache(store, { clock });
    const b = cache(store, { clock });
    const key = freshKey();
    const i = issuer(clock, { lifeMs: 900_000 });
    const first = await a.getOrIssue(key, i.issue);
    clock.advance(599_000); // 301 s left: still above the 300 s floor
    expect((await a.getOrIssue(key, i.issue)).cached).toBe(true);
    expect((await b.getOrIssue(key, i.issue)).cached).toBe(true);
    clock.advance(1_000); // exactly 300 s left: no longer usable
    const renewedA = await a.getOrIssue(key, i.issue);
    expect(renewedA.cached).toBe(false);
    expect(renewedA.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(i.calls).toBe(2);
    // B's L1 still holds the old token, past its floor: B must take the renewed one from Redis, not the old one.
    const fromB = await b.getOrIssue(key, i.issue);
    expect(fromB).toEqual({ credentials: renewedA.credentials, cached: true });
    expect(i.calls).toBe(2);
  });

  it('coalesces: 50 concurrent calls on each of two replicas → exactly one issue()', async () => {
    const a = cache(await redis());
    const b = cache(await redis());
    const key = freshKey();
    const i = issuer(systemClock, { delayMs: 50 });
    const results = await Promise.all([
      ...Array.from({ length: 50 }, () => a.getOrIssue(key, i.issue)),
      ...Array.from({ length: 50 }, () => b.getOrIssue(key, i.issue)),
    ]);
    expect(i.calls).toBe(1);
    expect(new Set(results.map((r) => r.credentials.accessKeyId))).toEqual(new Set(['STS.id-1']));
    expect(results.filter((r) => !r.cached)).toHaveLength(1);
    expect(await raw.exists(`${prefix}lock:${key}`)).toBe(0);
  });

  it('lock holder crashed: others issue once its lock expires', async () => {
    const c = cache(await redis(), { pollIntervalMs: 10 });
    const key = freshKey();
    await raw.set(`${prefix}lock:${key}`, 'crashed-owner', 'PX', 300);
    const i = issuer(systemClock);
    const result = await c.getOrIssue(key, i.issue);
    expect(result.cached).toBe(false);
    expect(i.calls).toBe(1);
    expect(await raw.exists(`${prefix}lock:${key}`)).toBe(0);
  });

  it('a lock one owner holds past lockTtlMs (no issuer of this configuration sets one): the waiter gives up with 503, never calls STS itself, and says so', async () => {
    const logger = collectingLogger();
    const c = cache(await redis(), { lockTtlMs: 200, pollIntervalMs: 10, logger });
    const key = freshKey();
    await raw.set(`${prefix}lock:${key}`, 'stuck-owner', 'PX', 60_000);
    const i = issuer(systemClock);
    await expect(c.getOrIssue(key, i.issue)).rejects.toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterSeconds: 1 });
    expect(i.calls).toBe(0);
    expect(logger.lines.map((l) => l.obj.event)).toContain('cache.lock.wait_timeout');
    expect(await raw.get(`${prefix}lock:${key}`)).toBe('stuck-owner'); // never delete a lock we do not own
  });

  it('STS slow: the lock outlives the issuance, and the other replica waits for its token: one key, one token', async () => {
    const a = cache(await redis(), { lockTtlMs: 10_000, pollIntervalMs: 10 });
    const b = cache(await redis(), { lockTtlMs: 10_000, pollIntervalMs: 10 });
    const key = freshKey();
    const i = issuer(systemClock, { delayMs: 1200 });
    const first = a.getOrIssue(key, i.issue);
    await vi.waitFor(() => expect(i.calls).toBe(1));
    await sleep(400);
    expect(await raw.pttl(`${prefix}lock:${key}`)).toBeGreaterThan(5000);
    const fromB = await b.getOrIssue(key, i.issue);
    const issued = await first;
    expect(i.calls).toBe(1);
    expect(fromB).toEqual({ credentials: issued.credentials, cached: true });
  });

  it('a new holder after a failed one gets the whole wait again: the waiter waits past lockTtlMs in all, and issues once the lock is free', async () => {
    const c = cache(await redis(), { lockTtlMs: 2000, pollIntervalMs: 10 });
    const key = freshKey();
    const lock = `${prefix}lock:${key}`;
    await raw.set(lock, 'holder-1', 'PX', 60_000);
    const i = issuer(systemClock);
    const waiting = c.getOrIssue(key, i.issue);
    await sleep(1200);
    await raw.set(lock, 'holder-2', 'PX', 60_000); // holder-1 failed, holder-2 took the lock
    await sleep(1200); // 2.4 s in all, each holder under 2 s
    expect(i.calls).toBe(0);
    await raw.del(lock); // holder-2 failed too
    await expect(waiting).resolves.toMatchObject({ cached: false });
    expect(i.calls).toBe(1);
  }, 15_000);

  it('store down: still issues, coalesces in process, logs the outage once per interval', async () => {
    const logger = collectingLogger();
    const dead = RedisStore.fromConfig(redisConfig(prefix, { url: 'redis://127.0.0.1:1' }));
    opened.push(dead);
    const c = cache(dead, { logger, l1MaxEntries: 0 });
    const key = freshKey();
    const i = issuer(systemClock, { delayMs: 20 });
    const results = await Promise.all(Array.from({ length: 10 }, () => c.getOrIssue(key, i.issue)));
    expect(i.calls).toBe(1);
    expect(results.every((r) => r.credentials.accessKeyId === 'STS.id-1')).toBe(true);
    await c.getOrIssue(freshKey(), i.issue);
    expect(i.calls).toBe(2);
    const outages = logger.lines.filter((l) => l.obj.event === 'cache.store.unavailable');
    expect(outages).toHaveLength(1);
    expect(outages[0]?.obj.keyHash).toBe(key.slice(0, 12));
  });

  it('stores only ciphertext in Redis, and logs no secret at any level', async () => {
    // A real pino logger at `trace`: whatever the cache or the store logs, at any level, lands in `log.text()`.
    const log = everyLevelLogger();
    const i = issuer(systemClock);
    const key = freshKey();
    const { credentials } = await cache(await scope.store(log.logger), { logger: log.logger }).getOrIssue(key, i.issue);
    const stored = await raw.get(`${prefix}token:${key}`);
    expect(stored).toMatch(/^v1\./);
    for (const secret of [credentials.accessKeySecret, credentials.securityToken, credentials.accessKeyId]) {
      expect(stored).not.toContain(secret);
    }
    const ttl = await raw.pttl(`${prefix}token:${key}`);
    expect(ttl).toBeGreaterThan(800_000);
    expect(ttl).toBeLessThanOrEqual(900_000);

    // The paths that do log, each holding credentials when it logs: a value sealed under another cache key (read,
    // then a fresh issue), and a store that has gone away (read, lock and write all fail; the caller still gets
    // credentials).
    const otherKey = cache(await scope.store(log.logger), { logger: log.logger, encryptionKey: randomBytes(32) });
    const reissued = await otherKey.getOrIssue(key, i.issue);
    const gone = await scope.store(log.logger);
    await gone.close();
    const withoutStore = await cache(gone, { logger: log.logger }).getOrIssue(freshKey(), i.issue);
    expect(i.calls).toBe(3);

    const events = log.lines().map((line) => line.event);
    expect(events).toContain('cache.value.unreadable');
    expect(events).toContain('cache.store.unavailable');
    // Booleans, not toContain: a failure must not print the log (or the secret) into the test output.
    const text = log.text();
    for (const [n, c] of [credentials, reissued.credentials, withoutStore.credentials].entries()) {
      expect(text.includes(c.accessKeySecret), `AccessKeySecret of token ${n + 1} in the log`).toBe(false);
      expect(text.includes(c.securityToken), `SecurityToken of token ${n + 1} in the log`).toBe(false);
    }
  });

  it('a value copied under another key, or sealed with another key, is a miss', async () => {
    const store = await redis();
    const c = cache(store);
    const keyA = freshKey();
    const keyB = freshKey();
    const i = issuer(systemClock);
    await c.getOrIssue(keyA, i.issue);
    await raw.set(`${prefix}token:${keyB}`, (await raw.get(`${prefix}token:${keyA}`)) ?? '', 'PX', 60_000);
    expect((await cache(store).getOrIssue(keyB, i.issue)).cached).toBe(false);
    expect((await cache(store, { encryptionKey: randomBytes(32) }).getOrIssue(keyA, i.issue)).cached).toBe(false);
    expect(i.calls).toBe(3);
  });

  it('issue() failure reaches every waiting caller and releases the lock', async () => {
    const c = cache(await redis());
    const key = freshKey();
    let calls = 0;
    const failing = async (): Promise<StsCredentials> => {
      calls++;
      await sleep(20);
      throw new Error('upstream_unavailable');
    };
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.getOrIssue(key, failing)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    expect(await raw.exists(`${prefix}lock:${key}`)).toBe(0);
    const i = issuer(systemClock);
    expect((await c.getOrIssue(key, i.issue)).cached).toBe(false); // nothing stuck after a failure
  });

  it('shareTokens false: the token stays in L1, the store never holds it, and the lock is still taken and released', async () => {
    const store = await redis();
    const set = vi.spyOn(store, 'set');
    const c = cache(store, { shareTokens: false });
    const key = freshKey();
    const i = issuer(systemClock);
    const first = await c.getOrIssue(key, i.issue);
    expect(await c.getOrIssue(key, i.issue)).toEqual({ credentials: first.credentials, cached: true });
    expect(i.calls).toBe(1);
    expect(await raw.exists(`${prefix}token:${key}`)).toBe(0);
    expect(set.mock.calls.map(([k]) => k)).toEqual([`lock:${key}`]);
    expect(await raw.exists(`${prefix}lock:${key}`)).toBe(0);
    // Nothing is read from the store either: a value written there by anyone else is not served.
    const written = freshKey();
    await cache(store).getOrIssue(written, issuer(systemClock).issue);
    expect(await raw.exists(`${prefix}token:${written}`)).toBe(1);
    const unshared = issuer(systemClock);
    expect((await cache(store, { shareTokens: false }).getOrIssue(written, unshared.issue)).cached).toBe(false);
    expect(unshared.calls).toBe(1);
  });
});
