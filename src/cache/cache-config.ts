/** The token cache as the configuration asks for it: the reuse and stale floors, and refresh-ahead. */
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import type { KeyValueStore, StoreLogger } from '../store/index.js';
import { createTokenCache, type RefreshResult, type TokenCache } from './token-cache.js';

const REFRESH_ROUND_INTERVAL_MS = 1000;

export interface TokenCacheDeps {
  store: KeyValueStore;
  encryptionKey: Buffer;
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
    lockTimeoutMs: cache.lockTimeoutMs,
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
