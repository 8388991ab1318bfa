/**
 * The token cache: one AssumeRole serves every identical request while the token has life left, because STS allows
 * only ~100 AssumeRole calls per second per account (DESIGN "What it is", step 4).
 *
 * Lookup order: L1 (this process) → Redis (every replica) → issue. Issuance is coalesced twice:
 * - in this process, concurrent callers for one key share one promise (single flight);
 * - across replicas, a lock `lock:<key>` (SET NX PX, random owner) elects one issuer; the others poll the value.
 *   A waiter that sees the lock vanish without a value (the holder failed or crashed and its lock expired) competes
 *   for the lock again; a waiter that has waited `lockTimeoutMs` issues by itself. That last rule is a deliberate
 *   trade-off: availability over the last AssumeRole saved (the STS upstream budget bounds the damage).
 *
 * Failure policy: the cache is an optimisation, so a store failure on read is a miss and a failure on write is
 * logged and ignored; the caller still gets credentials. (Quotas, which must fail closed, live in store/quota.ts.)
 * Values are sealed with AES-256-GCM under the cache key as AAD (encryption.ts); logs name a key only by the first
 * 12 characters of its hash and never carry credential fields.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../shared/clock.js';
import type { StsCredentials } from '../sts/types.js';
import { errorMessage, silentLogger, type KeyValueStore, type StoreLogger } from '../store/index.js';
import { createSealer } from './encryption.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { createThrottledWarn } from './throttled-warn.js';
import { parseCredentials } from './credentials-codec.js';

export interface TokenCacheOptions {
  store: KeyValueStore;
  /** 32 bytes (cache.encryptionKey). */
  encryptionKey: Buffer;
  clock: Clock;
  /** A token is reused only while it has more than this much life left (cache.minRemainingSeconds × 1000). */
  minRemainingMs: number;
  /** 0 disables the in-process layer. */
  l1MaxEntries: number;
  /** How long a replica waits for another replica's issuance before issuing itself (cache.lockTimeoutMs). */
  lockTimeoutMs: number;
  /** Lifetime of the cross-replica lock, i.e. how long a crashed holder blocks others. Default: lockTimeoutMs. */
  lockTtlMs?: number;
  /** How often a waiting replica looks for the value. Default 25 ms. */
  pollIntervalMs?: number;
  logger?: StoreLogger;
}

interface TokenCacheResult {
  credentials: StsCredentials;
  /** false only for the caller whose request made the AssumeRole call. */
  cached: boolean;
}

export interface TokenCache {
  getOrIssue(key: string, issue: () => Promise<StsCredentials>): Promise<TokenCacheResult>;
}

interface Flight {
  credentials: StsCredentials;
  issued: boolean;
}

const STORE_WARN_INTERVAL_MS = 10_000;

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { store, clock, minRemainingMs, lockTimeoutMs } = options;
  const lockTtlMs = options.lockTtlMs ?? lockTimeoutMs;
  const pollIntervalMs = options.pollIntervalMs ?? 25;
  const logger = options.logger ?? silentLogger;
  const sealer = createSealer(options.encryptionKey);
  const l1 = new ExpiringLru<StsCredentials>(options.l1MaxEntries, clock);
  const warn = createThrottledWarn(logger, clock, STORE_WARN_INTERVAL_MS);
  const flights = new Map<string, Promise<Flight>>();

  const valueKey = (key: string): string => `token:${key}`;
  const lockKey = (key: string): string => `lock:${key}`;
  const keyHash = (key: string): string => key.slice(0, 12);
  const usable = (c: StsCredentials): boolean => c.expiresAt - clock.now() > minRemainingMs;

  function remember(key: string, credentials: StsCredentials): void {
    // L1 drops the entry when it stops being usable, so a hit there needs no second floor check.
    l1.set(key, credentials, credentials.expiresAt - minRemainingMs);
  }

  function storeFailed(op: string, key: string, error: unknown): void {
    warn('cache.store.unavailable', { op, keyHash: keyHash(key), err: errorMessage(error) }, 'token cache store failed');
  }

  /** Redis read; any failure or unusable value is a miss. */
  async function readShared(key: string): Promise<StsCredentials | null> {
    let sealed: string | null;
    try {
      sealed = await store.get(valueKey(key));
    } catch (error) {
      storeFailed('read', key, error);
      return null;
    }
    if (sealed === null) return null;
    const json = sealer.open(key, sealed);
    const credentials = json === null ? null : parseCredentials(json);
    if (credentials === null) {
      // Usually replicas with different cache.encryptionKey values; worth a warning, not an error for the caller.
      warn('cache.value.unreadable', { keyHash: keyHash(key) }, 'cached token could not be opened');
      return null;
    }
    if (!usable(credentials)) return null;
    remember(key, credentials);
    return credentials;
  }

  async function issueAndShare(key: string, issue: () => Promise<StsCredentials>): Promise<Flight> {
    const credentials = await issue();
    remember(key, credentials);
    // TTL = the token's whole remaining life; readers apply the floor, so a future larger floor still works.
    const ttlMs = credentials.expiresAt - clock.now();
    if (ttlMs >= 1) {
      try {
        await store.set(valueKey(key), sealer.seal(key, JSON.stringify(credentials)), ttlMs);
      } catch (error) {
        storeFailed('write', key, error);
      }
    }
    return { credentials, issued: true };
  }

  async function issueUnderLock(key: string, owner: string, issue: () => Promise<StsCredentials>): Promise<Flight> {
    try {
      // The previous holder may have written the value between our read and our lock: look once more.
      const fresh = await readShared(key);
      if (fresh !== null) return { credentials: fresh, issued: false };
      return await issueAndShare(key, issue);
    } finally {
      await store.deleteIfEquals(lockKey(key), owner).catch((error: unknown) => storeFailed('unlock', key, error));
    }
  }

  /** The cross-replica part: win the lock and issue, or wait for the winner's value. */
  async function resolveShared(key: string, issue: () => Promise<StsCredentials>): Promise<Flight> {
    // Waiting is measured on the monotonic timer: it bounds real latency; the injected clock is for token lifetimes.
    const started = performance.now();
    const owner = randomUUID();
    for (;;) {
      let acquired: boolean;
      try {
        acquired = await store.set(lockKey(key), owner, lockTtlMs, { onlyIfAbsent: true });
      } catch (error) {
        storeFailed('lock', key, error);
        return issueAndShare(key, issue); // No store, no coordination: issue (upstream budget still applies).
      }
      if (acquired) return issueUnderLock(key, owner, issue);

      for (;;) {
        if (performance.now() - started >= lockTimeoutMs) {
          logger.warn({ event: 'cache.lock.timeout', keyHash: keyHash(key) }, 'gave up waiting for another issuer');
          return issueAndShare(key, issue);
        }
        await sleep(pollIntervalMs);
        const shared = await readShared(key);
        if (shared !== null) return { credentials: shared, issued: false };
        let held: boolean;
        try {
          held = (await store.get(lockKey(key))) !== null;
        } catch (error) {
          storeFailed('lock', key, error);
          return issueAndShare(key, issue);
        }
        if (!held) break; // The holder finished without a value, or crashed and its lock expired: compete again.
      }
    }
  }

  return {
    async getOrIssue(key, issue) {
      const local = l1.get(key);
      if (local !== undefined) return { credentials: local, cached: true };

      const inFlight = flights.get(key);
      if (inFlight !== undefined) return { credentials: (await inFlight).credentials, cached: true };

      const flight = (async (): Promise<Flight> => {
        const shared = await readShared(key);
        if (shared !== null) return { credentials: shared, issued: false };
        return resolveShared(key, issue);
      })();
      flights.set(key, flight);
      try {
        const { credentials, issued } = await flight;
        return { credentials, cached: !issued };
      } finally {
        flights.delete(key);
      }
    },
  };
}
