/**
 * The token cache as the configuration asks for it: floors, refresh-ahead, and a cross-replica lock that outlives
 * the slowest issuance the STS client allows.
 *
 * The lock's holder reads the store, calls STS and writes the value before it lets go. If the lock expired before
 * that, another replica would take it and call STS too: one key, two tokens. So its lifetime is derived from the STS
 * client's hard deadline (sts/assume-role.ts `assumeRoleDeadlineMs`, from `sts.timeoutMs` and the retry deadline)
 * plus two store round trips and a margin. The same lifetime is how long a request on another replica waits for
 * that token: a shorter wait would answer 503 while the holder's AssumeRole may still succeed. Nothing in the
 * configuration sets either; both follow `sts.timeoutMs`.
 */
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import { assumeRoleDeadlineMs } from '../sts/assume-role.js';
import type { KeyValueStore, StoreLogger } from '../store/index.js';
import type { KeyRing } from '../secrets/key-ring.js';
import { createTokenCache, type RefreshResult, type TokenCache } from './token-cache.js';

const LOCK_MARGIN_MS = 1000;
const REFRESH_ROUND_INTERVAL_MS = 1000;

export function issuanceLockTtlMs(config: Pick<BrokerConfig, 'sts' | 'redis'>): number {
  return assumeRoleDeadlineMs(config.sts) + 2 * config.redis.commandTimeoutMs + LOCK_MARGIN_MS;
}

export interface TokenCacheDeps {
  store: KeyValueStore;
  encryptionKey: Buffer | KeyRing;
  clock: Clock;
  logger?: StoreLogger;
  onRefresh?: (result: RefreshResult) => void;
}

export function tokenCacheFromConfig(config: Readonly<BrokerConfig>, deps: TokenCacheDeps): TokenCache {
  const { cache } = config;
  const ahead = cache.refreshAhead;
  return createTokenCache({
    ...deps,
    minRemainingMs: cache.minRemainingSeconds * 1000,
    staleFloorMs: cache.staleFloorSeconds * 1000,
    l1MaxEntries: cache.l1MaxEntries,
    // The memory store lives in this process: beside L1 it would only hold a second, sealed copy of each token.
    shareTokens: deps.store.kind !== 'memory' || cache.l1MaxEntries === 0,
    lockTtlMs: issuanceLockTtlMs(config),
    ...(ahead.enabled
      ? {
          refreshAhead: {
            leadMs: ahead.leadSeconds * 1000,
            hotMs: (ahead.hotSeconds ?? 2 * cache.minRemainingSeconds) * 1000,
            maxKeys: ahead.maxKeys,
            concurrency: ahead.concurrency,
            intervalMs: REFRESH_ROUND_INTERVAL_MS,
          },
        }
      : {}),
  });
}
