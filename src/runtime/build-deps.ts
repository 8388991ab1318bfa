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
import { BREAKER_STATE_VALUE, createMetrics, type Metrics } from '../metrics/metrics.js';
import { defaultChainCredential, logCredentialSource } from './credential-source.js';

export interface RuntimeDeps {
  store: KeyValueStore;
  sts: StsClient;
  authenticator: Authenticator;
  encryptionKey: Buffer;
  /** Built here so the STS breaker and the store can report into it; createApp takes it from the spread deps. */
  metrics: Metrics;
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
  const metrics = createMetrics({ collectDefaults: true });
  metrics.probeStoreOnScrape(hasRedis(config) ? 'redis' : 'memory', () => store.ping());
  // The same chain object goes to the STS client, so what is logged is what signs AssumeRole.
  const credential = defaultChainCredential();
  await logCredentialSource(credential, logger, { production: process.env.NODE_ENV === 'production' });
  return {
    store,
    metrics,
    sts: createStsClient({
      config: config.sts,
      clock,
      logger,
      credential,
      onBreakerStateChange: (state) => metrics.stsBreakerState.set(BREAKER_STATE_VALUE[state]),
    }),
    authenticator: createAuthenticator({ clients: config.clients, clock, localJwks: options.localJwks }),
    encryptionKey: Buffer.from(config.cache.encryptionKey, 'base64'),
  };
}
