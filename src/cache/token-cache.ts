/**
 * The token cache: one AssumeRole serves every identical request while the token has life left, because STS allows
 * only ~100 AssumeRole calls per second per account (README.md, the steps under "What it is").
 *
 * Lookup order: L1 (this process) -> the shared store (every replica) -> issue. A token is handed out only while it
 * has more than `minRemainingMs` of life left: that floor is the lifetime promise clients schedule their refresh on
 * (docs/clients.md, "The lifetime promise"). Issuance is coalesced twice:
 * - in this process, concurrent callers for one key share one promise (single flight);
 * - across replicas, a lock `lock:<key>` (SET NX PX, random owner) elects one issuer; the others poll for its value.
 *   The lock lives `lockTtlMs`, which must outlive the holder's worst-case issuance (cache-config.ts derives it from
 *   the STS deadline): while it is held nobody else calls STS for the key, so one key never gets two tokens. A lock
 *   that vanishes without a value (the holder failed, or crashed and the lock expired) is competed for again. A
 *   waiter waits as long as the holder may take (the lock's lifetime), so it is never refused while the token may
 *   still arrive; it never calls STS itself while the lock is held. Only a lock one owner holds longer than that
 *   (set by something other than this configuration's issuers) ends the wait with 503 `upstream_unavailable`.
 *
 * Refresh-ahead: keys requested recently are re-issued in the background shortly before their token drops under
 * the floor (hot-keys.ts), so a busy user never waits on STS. Background rounds yield to foreground misses, run a few
 * refreshes at a time, and call STS at background priority (no waiting, a reserve of budget left to foreground).
 *
 * Serve-stale: `peekStale` returns a token that is under the floor but still above `staleFloorMs`, for the caller to
 * hand out when STS cannot give a new one (credentials/credential-service.ts decides when).
 *
 * Failure policy: the cache is an optimisation, so a store failure on read is a miss and a failure on write is
 * logged and ignored; the caller still gets credentials. (Quotas, which must fail closed, live in quotas/.)
 * Logs name a key only by the first 12 characters of its hash and never carry credential fields.
 */
import type { KeyRing } from '../secrets/key-ring.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import type { StsCredentials } from '../sts/types.js';
import { errorMessage, silentLogger, type KeyValueStore, type StoreLogger } from '../store/index.js';
import { HotKeys, type HotEntry, type IssueToken } from './hot-keys.js';
import { createSharedTokens, tokenValueKey, type SharedTokens } from './shared-tokens.js';
import { createThrottledWarn } from './throttled-warn.js';

export type { IssueToken } from './hot-keys.js';

export interface RefreshAheadOptions {
  /** Re-issue this long before a hot key's token drops under the floor. */
  leadMs: number;
  /** A key requested within this long is hot. */
  hotMs: number;
  /** At most this many hot keys are tracked (about the least recently requested out first: hot-keys.ts). */
  maxKeys: number;
  /** Refreshes run at once per round. */
  concurrency: number;
  /** Run a round this often (unref'd timer); 0: only when `refreshDue()` is called. */
  intervalMs: number;
}

/** What one background refresh did, for metrics. */
export type RefreshResult = 'refreshed' | 'adopted' | 'busy' | 'failed';

export interface TokenCacheOptions {
  store: KeyValueStore;
  /** 32 bytes (cache.encryptionKey), or a ring of such keys while one rotates. */
  encryptionKey: Buffer | KeyRing;
  clock: Clock;
  /** A token is reused only while it has more than this much life left (cache.minRemainingSeconds x 1000). */
  minRemainingMs: number;
  /** `peekStale` returns tokens with more life left than this (cache.staleFloorSeconds). Default: no stale tokens. */
  staleFloorMs?: number;
  /** 0 disables the in-process layer. */
  l1MaxEntries: number;
  /**
   * false: tokens are kept in L1 only, never written to or read from the store (the lock still is). For a store
   * in this process (the memory store), where the shared copy would be a second, sealed copy of L1's entry in the
   * same heap, shared with nobody. Default true.
   */
  shareTokens?: boolean;
  /**
   * Lifetime of the cross-replica lock: must outlive the worst-case issuance (see cache-config.ts). A request waits
   * this long for another replica's issuance of the same token.
   */
  lockTtlMs: number;
  /** How often a waiting replica looks for the value. Default 25 ms. */
  pollIntervalMs?: number;
  logger?: StoreLogger;
  /** Refresh-ahead; off when absent. */
  refreshAhead?: RefreshAheadOptions;
  onRefresh?: (result: RefreshResult) => void;
}

interface TokenCacheResult {
  credentials: StsCredentials;
  /** false only for the caller whose request made the AssumeRole call. */
  cached: boolean;
}

export interface TokenCache {
  getOrIssue(key: string, issue: IssueToken): Promise<TokenCacheResult>;
  /** A token for `key` still above the stale floor (possibly under the reuse floor), or null. Never calls STS. */
  peekStale(key: string): Promise<StsCredentials | null>;
  /**
   * Forgets these entries: from L1, from refresh-ahead and from the shared store (a revoked principal's tokens).
   * Rejects when the shared store cannot delete them.
   */
  drop(keys: readonly string[]): Promise<void>;
  /** Runs one refresh-ahead round now and waits for it (the timer runs the same rounds). */
  refreshDue(): Promise<void>;
  /** Stops the refresh-ahead timer. */
  close(): void;
}

/** The shared layer when tokens are not shared: nothing is there, and nothing is written. */
const UNSHARED: SharedTokens = {
  read: async () => null,
  write: async () => undefined,
};

interface Flight {
  credentials: StsCredentials;
  issued: boolean;
}

const STORE_WARN_INTERVAL_MS = 10_000;
/** After a failed background refresh, try that key again this much later (the foreground still has a token). */
const REFRESH_RETRY_MS = 5_000;

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { store, clock, minRemainingMs, lockTtlMs } = options;
  const staleFloorMs = Math.min(options.staleFloorMs ?? minRemainingMs, minRemainingMs);
  const pollIntervalMs = options.pollIntervalMs ?? 25;
  const logger = options.logger ?? silentLogger;
  const l1 = new ExpiringLru<StsCredentials>(options.l1MaxEntries, clock);
  const warn = createThrottledWarn(logger, clock, STORE_WARN_INTERVAL_MS);
  const flights = new Map<string, Promise<Flight>>();
  const ahead = options.refreshAhead;
  const hot =
    ahead === undefined
      ? undefined
      : new HotKeys({ maxKeys: ahead.maxKeys, hotMs: ahead.hotMs, leadMs: ahead.leadMs, minRemainingMs, retryMs: REFRESH_RETRY_MS });

  const lockKey = (key: string): string => `lock:${key}`;
  const keyHash = (key: string): string => key.slice(0, 12);
  const usable = (c: StsCredentials): boolean => c.expiresAt - clock.now() > minRemainingMs;

  function storeFailed(op: string, key: string, error: unknown): void {
    warn('cache.store.unavailable', { op, keyHash: keyHash(key), err: errorMessage(error) }, 'token cache store failed');
  }

  const shared =
    (options.shareTokens ?? true)
      ? createSharedTokens({
          store,
          encryptionKey: options.encryptionKey,
          clock,
          onProblem: (op, key, error) =>
            op === 'open'
              ? warn('cache.value.unreadable', { keyHash: keyHash(key) }, 'cached token could not be opened')
              : storeFailed(op, key, error),
        })
      : UNSHARED;

  /** Keeps the newest token per key in L1, until it drops under the stale floor. */
  function remember(key: string, credentials: StsCredentials): void {
    const known = l1.get(key);
    if (known !== undefined && known.expiresAt > credentials.expiresAt) return;
    l1.set(key, credentials, credentials.expiresAt - staleFloorMs);
  }

  /** A token from the shared store with more than `floorMs` left, remembered in L1; null otherwise. */
  async function readShared(key: string, floorMs: number): Promise<StsCredentials | null> {
    const credentials = await shared.read(key, Math.min(floorMs, staleFloorMs));
    if (credentials === null) return null;
    remember(key, credentials);
    return credentials.expiresAt - clock.now() > floorMs ? credentials : null;
  }

  async function issueAndShare(key: string, issue: IssueToken, background: boolean): Promise<StsCredentials> {
    const credentials = await issue({ background });
    remember(key, credentials);
    await shared.write(key, credentials);
    hot?.renewed(key, credentials.expiresAt);
    return credentials;
  }

  async function unlock(key: string, owner: string): Promise<void> {
    await store.deleteIfEquals(lockKey(key), owner).catch((error: unknown) => storeFailed('unlock', key, error));
  }

  async function issueUnderLock(key: string, owner: string, issue: IssueToken): Promise<Flight> {
    try {
      // The previous holder may have written the value between our read and our lock: look once more.
      const fresh = await readShared(key, minRemainingMs);
      if (fresh !== null) return { credentials: fresh, issued: false };
      return { credentials: await issueAndShare(key, issue, false), issued: true };
    } finally {
      await unlock(key, owner);
    }
  }

  /**
   * The cross-replica part: win the lock and issue, or wait for the winner's value. A waiter waits as long as the
   * holder may take (its lock lives `lockTtlMs`, past the slowest issuance the STS client allows), so it never gives
   * up while the token may still arrive. Each new holder (after one failed) gets that long again; only a lock held by
   * one owner for longer than that, which no issuer of this configuration sets, ends the wait with a 503.
   */
  async function resolveShared(key: string, issue: IssueToken): Promise<Flight> {
    const owner = randomUUID();
    let holder: string | null = null;
    // Waiting is measured on the monotonic timer: it bounds real latency; the injected clock is for token lifetimes.
    let holderSeenAt = performance.now();
    for (;;) {
      let acquired: boolean;
      try {
        acquired = await store.set(lockKey(key), owner, lockTtlMs, { onlyIfAbsent: true });
      } catch (error) {
        storeFailed('lock', key, error);
        // No store, no coordination: issue (the STS budgets still apply).
        return { credentials: await issueAndShare(key, issue, false), issued: true };
      }
      if (acquired) return issueUnderLock(key, owner, issue);

      for (;;) {
        await sleep(pollIntervalMs);
        const value = await readShared(key, minRemainingMs);
        if (value !== null) return { credentials: value, issued: false };
        let current: string | null;
        try {
          current = await store.get(lockKey(key));
        } catch (error) {
          storeFailed('lock', key, error);
          return { credentials: await issueAndShare(key, issue, false), issued: true };
        }
        if (current === null) break; // The holder finished without a value, or crashed and its lock expired: compete again.
        if (current !== holder) {
          holder = current;
          holderSeenAt = performance.now();
        } else if (performance.now() - holderSeenAt > lockTtlMs) {
          // Calling STS ourselves now would give this key a second token while the holder's call may still be running.
          logger.warn({ event: 'cache.lock.wait_timeout', keyHash: keyHash(key) }, 'issuance lock held longer than any issuance may take');
          throw new BrokerError('upstream_unavailable', 'another replica is still getting this token from STS', {
            retryAfterSeconds: 1,
          });
        }
      }
    }
  }

  /** One background re-issue for a hot key, coordinated with the other replicas through the same lock. */
  async function refreshOne(key: string, entry: HotEntry): Promise<RefreshResult> {
    if (flights.has(key)) return 'busy'; // a foreground miss is already on it
    const adopt = async (): Promise<boolean> => {
      const newer = await shared.read(key, minRemainingMs);
      if (newer === null || newer.expiresAt <= entry.expiresAt) return false;
      remember(key, newer);
      hot?.renewed(key, newer.expiresAt);
      return true;
    };
    if (await adopt()) return 'adopted'; // another replica refreshed it already
    const owner = randomUUID();
    let acquired: boolean;
    try {
      acquired = await store.set(lockKey(key), owner, lockTtlMs, { onlyIfAbsent: true });
    } catch (error) {
      storeFailed('lock', key, error);
      return 'failed'; // without coordination, leave it to the foreground
    }
    if (!acquired) return 'busy';
    try {
      if (await adopt()) return 'adopted';
      await issueAndShare(key, entry.issue, true);
      return 'refreshed';
    } catch (error) {
      hot?.failed(key, clock.now());
      warn('cache.refresh.failed', { keyHash: keyHash(key), code: (error as { code?: unknown }).code }, 'background refresh failed');
      return 'failed';
    } finally {
      await unlock(key, owner);
    }
  }

  let round: Promise<void> | undefined;

  async function runRound(): Promise<void> {
    if (hot === undefined || ahead === undefined) return;
    const due = hot.due(clock.now());
    for (let i = 0; i < due.length; i += ahead.concurrency) {
      // Yield to foreground misses: they are requests a client is waiting on, and they need the STS budget first.
      if (flights.size > 0) return;
      const batch = due.slice(i, i + ahead.concurrency);
      const results = await Promise.all(batch.map(([key, entry]) => refreshOne(key, entry)));
      for (const result of results) options.onRefresh?.(result);
    }
  }

  function refreshDue(): Promise<void> {
    round ??= runRound().finally(() => {
      round = undefined;
    });
    return round;
  }

  const timer =
    ahead !== undefined && ahead.intervalMs > 0
      ? setInterval(() => {
          refreshDue().catch((error: unknown) => warn('cache.refresh.round_failed', { err: errorMessage(error) }, 'refresh round failed'));
        }, ahead.intervalMs)
      : undefined;
  timer?.unref();

  return {
    async getOrIssue(key, issue) {
      const local = l1.get(key);
      if (local !== undefined && usable(local)) {
        hot?.touch(key, issue, local.expiresAt, clock.now());
        return { credentials: local, cached: true };
      }

      let flight = flights.get(key);
      const joined = flight !== undefined;
      if (flight === undefined) {
        flight = (async (): Promise<Flight> => {
          const value = await readShared(key, minRemainingMs);
          if (value !== null) return { credentials: value, issued: false };
          return resolveShared(key, issue);
        })();
        flights.set(key, flight);
      }
      try {
        const { credentials, issued } = await flight;
        hot?.touch(key, issue, credentials.expiresAt, clock.now());
        return { credentials, cached: joined || !issued };
      } finally {
        if (!joined) flights.delete(key);
      }
    },

    async peekStale(key) {
      const local = l1.get(key);
      if (local !== undefined && local.expiresAt - clock.now() > staleFloorMs) return local;
      return readShared(key, staleFloorMs);
    },

    async drop(keys) {
      for (const key of keys) {
        l1.delete(key);
        hot?.forget(key);
      }
      await Promise.all(keys.map((key) => store.del(tokenValueKey(key))));
    },

    refreshDue,

    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
