/**
 * Builds the real outside dependencies from a validated configuration: the shared store, the STS client (identity
 * from the @alicloud/credentials default chain) and the authenticator. Used by main.ts for production and local
 * mode alike, so local mode exercises the production code path.
 */
import type { JSONWebKeySet } from 'jose';
import type { BrokerConfig } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { REDIS_REQUIRED, type DevelopmentRelaxations } from '../config/cross-checks.js';
import { redisTopology } from '../config/redis-topology.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../store/index.js';
import { createStsClient, type IdentityReadiness } from '../sts/index.js';
import type { StsClient } from '../sts/types.js';
import { authenticatorFromConfig } from '../auth/index.js';
import type { AdminKeys, Authenticator } from '../auth/index.js';
import type { ApiKeyClientConfig } from '../config/schema.js';
import { adminKeysFromSecrets } from './admin-keys.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { BREAKER_STATE_VALUE, createMetrics, type Metrics } from '../metrics/metrics.js';
import { defaultChainCredential, logCredentialSource } from './credential-source.js';
import { createCloudIdentityReadiness } from './cloud-identity.js';
import { decodeBase64Key, staticKeyRing, type KeyRing, type KmsSecrets } from '../secrets/index.js';

export interface RuntimeDeps {
  store: KeyValueStore;
  sts: StsClient;
  authenticator: Authenticator;
  /** The cache key's ring: from KMS (current + previous, refreshed) or the configuration's one key. */
  encryptionKey: KeyRing;
  /** The grant key's ring when it comes from KMS; otherwise the app reads `uploads.grantKey`. */
  grantKeys?: KeyRing;
  /** Built here so the STS breaker and the store can report into it; createApp takes it from the spread deps. */
  metrics: Metrics;
  /** The admin keys when some come from KMS (refreshed); otherwise createApp reads the configuration's. */
  adminKeys?: AdminKeys;
  /**
   * The `cloud_identity` readiness check, started (first check done): /readyz reads it; stop() it on shutdown.
   * createApp takes it from the spread deps.
   */
  cloudIdentity: IdentityReadiness;
}

/**
 * Redis when the configuration names one (redis-topology.ts, the one predicate). Redis being down does not stop
 * start-up: the process starts, reports not ready and keeps connecting in the background (redis-store.ts). The in-memory
 * store only for an entry point that relaxes the rule in code (local mode); production refuses to run without Redis
 * here too, not only in the loader.
 */
export async function buildStore(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  relax: DevelopmentRelaxations = {},
): Promise<KeyValueStore> {
  if (redisTopology(config.redis) === 'none') {
    if (!relax.memoryStore) throw new ConfigError([REDIS_REQUIRED]);
    logger.warn({ event: 'store.memory' }, 'no Redis configured: using an in-memory store (one process only; development use)');
    return new MemoryStore();
  }
  const store = RedisStore.fromConfig(config.redis, logger);
  await store.connectOrContinue();
  return store;
}

/** Scheme, host, port and database of a Redis URL: what a rotated password must leave as it is. */
function redisAddress(url: string | undefined): string {
  if (url === undefined) return '';
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export async function buildRuntimeDeps(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  options: {
    clock?: Clock;
    localJwks?: Record<string, JSONWebKeySet>;
    relax?: DevelopmentRelaxations;
    /** The STS emulator's CA, passed in code by local mode only (see SdkClientOptions.trustedCa). */
    stsTrustedCa?: string;
    /** The KMS secrets the loader read (runtime/load-config.ts loadConfigWithSecrets): refreshed from now on. */
    secrets?: KmsSecrets;
    /** The loader's `configWith`: how a refreshed secret that is part of the configuration is applied. */
    configWith?: (name: string, value: string) => Readonly<BrokerConfig>;
  } = {},
): Promise<RuntimeDeps> {
  const clock = options.clock ?? systemClock;
  if (config.cache.encryptionKey === undefined) throw new Error('cache.encryptionKey is required');
  const authenticator = authenticatorFromConfig(config, { clock, localJwks: options.localJwks });
  const store = await buildStore(config, logger, options.relax);
  const metrics = createMetrics({ collectDefaults: true });
  metrics.probeStoreOnScrape(redisTopology(config.redis) === 'none' ? 'memory' : 'redis', () => store.ping());
  // The same chain object goes to the STS client, so what is logged is what signs AssumeRole.
  const credential = defaultChainCredential();
  await logCredentialSource(credential, logger, { production: process.env.NODE_ENV === 'production' });
  // After the source is logged: its first check says at once whether this replica can use STS (GetCallerIdentity).
  const cloudIdentity = createCloudIdentityReadiness(config.sts, { credential, trustedCa: options.stsTrustedCa, logger });
  await cloudIdentity.start();
  metrics.reportCloudIdentityOnScrape(() => cloudIdentity.status());
  const { secrets } = options;
  secrets?.start(logger, (event) => {
    if (event.ok) metrics.secretLastRefresh.set({ secret: event.name }, event.at / 1000);
    else metrics.secretRefreshFailures.inc({ secret: event.name });
  });
  // Partner keys from KMS: each new version (already checked against the file's clients) replaces the set.
  const { configWith } = options;
  if (secrets?.names().includes('BROKER_API_KEYS') && configWith !== undefined) {
    secrets.onChange('BROKER_API_KEYS', (value) => {
      const clients = configWith('BROKER_API_KEYS', value).clients.filter((c): c is ApiKeyClientConfig => c.type === 'apiKey');
      authenticator.setApiKeyClients(clients);
      logger.info(
        { event: 'auth.api_keys.replaced', clients: clients.length, keys: clients.reduce((n, c) => n + c.keys.length, 0) },
        'partner API keys replaced from KMS',
      );
    });
  }
  // A rotated Redis password: used from the next (re)connection on. Host, port and topology need a restart.
  if (configWith !== undefined && store instanceof RedisStore) {
    secrets?.onChange('BROKER_REDIS_URL', (value) => {
      const next = configWith('BROKER_REDIS_URL', value).redis;
      store.updateCredentials({ url: next.url });
      const moved = redisAddress(next.url) !== redisAddress(config.redis.url);
      logger.info({ event: 'store.redis.credentials_replaced', secret: 'BROKER_REDIS_URL' }, 'next Redis connection uses the new password');
      if (moved) {
        logger.warn({ event: 'store.redis.address_changed' }, 'BROKER_REDIS_URL names another server or database: restart to use it');
      }
    });
    secrets?.onChange('BROKER_REDIS_SENTINEL_PASSWORD', (value) => {
      store.updateCredentials({ sentinelPassword: configWith('BROKER_REDIS_SENTINEL_PASSWORD', value).redis.sentinelPassword });
      logger.info(
        { event: 'store.redis.credentials_replaced', secret: 'BROKER_REDIS_SENTINEL_PASSWORD' },
        'next Sentinel connection uses the new password',
      );
    });
  }
  const adminKeys = adminKeysFromSecrets(config, secrets);
  const fromKms = (name: string): KeyRing | undefined =>
    secrets?.names().includes(name) ? secrets.keyRing(name, decodeBase64Key) : undefined;
  const grantKeys = fromKms('BROKER_GRANT_KEY');
  return {
    store,
    metrics,
    cloudIdentity,
    sts: createStsClient({
      config: config.sts,
      clock,
      logger,
      credential,
      store,
      trustedCa: options.stsTrustedCa,
      onBreakerStateChange: (state) => metrics.stsBreakerState.set(BREAKER_STATE_VALUE[state]),
    }),
    authenticator,
    encryptionKey: fromKms('BROKER_CACHE_KEY') ?? staticKeyRing(Buffer.from(config.cache.encryptionKey, 'base64')),
    ...(grantKeys === undefined ? {} : { grantKeys }),
    ...(adminKeys === undefined ? {} : { adminKeys }),
  };
}
