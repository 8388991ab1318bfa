/**
 * Builds the real outside dependencies from a validated configuration: the shared store, the STS client (identity
 * from the @alicloud/credentials default chain) and the authenticator. Used by main.ts for production and local
 * mode alike, so local mode exercises the production code path.
 */
import type { JSONWebKeySet } from 'jose';
import type { BrokerConfig } from '../config/schema.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../store/index.js';
import { createStsClient } from '../sts/index.js';
import type { StsClient } from '../sts/types.js';
import { createAuthenticator } from '../auth/index.js';
import type { Authenticator } from '../auth/index.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';

export interface RuntimeDeps {
  store: KeyValueStore;
  sts: StsClient;
  authenticator: Authenticator;
  encryptionKey: Buffer;
}

function hasRedis(config: Readonly<BrokerConfig>): boolean {
  const r = config.redis;
  return r.url !== undefined || (r.sentinels?.length ?? 0) > 0 || (r.cluster?.length ?? 0) > 0;
}

export async function buildStore(config: Readonly<BrokerConfig>, logger: Logger): Promise<KeyValueStore> {
  if (!hasRedis(config)) {
    // Only reachable in local mode: the config schema requires Redis in production.
    logger.warn({ event: 'store.memory' }, 'no Redis configured: using an in-memory store (one process only; development use)');
    return new MemoryStore();
  }
  const store = RedisStore.fromConfig(config.redis, logger);
  await store.connect();
  return store;
}

export async function buildRuntimeDeps(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  options: { clock?: Clock; localJwks?: Record<string, JSONWebKeySet> } = {},
): Promise<RuntimeDeps> {
  const clock = options.clock ?? systemClock;
  if (config.cache.encryptionKey === undefined) throw new Error('cache.encryptionKey is required');
  const store = await buildStore(config, logger);
  return {
    store,
    sts: createStsClient({ config: config.sts, clock, logger, store }),
    authenticator: createAuthenticator({ clients: config.clients, clock, localJwks: options.localJwks }),
    encryptionKey: Buffer.from(config.cache.encryptionKey, 'base64'),
  };
}
