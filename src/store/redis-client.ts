/**
 * Builds the one ioredis client of the process from the `redis` config section: standalone (`url`), Sentinel
 * (`sentinels` + `sentinelName`) or Cluster (`cluster`). The options are chosen so a request never hangs on Redis:
 *
 * - `commandTimeout`: every command has a deadline (ioredis has none by default; reference/node-stack.md: a dead
 *   Redis otherwise fails a command only after ~73 s).
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once instead of queueing until reconnect.
 *   Callers turn that into StoreUnavailableError → 503, or a cache miss; never into a silent wait.
 * - `lazyConnect: true`: with the offline queue off, a command sent before the first connection is ready would fail,
 *   so start-up calls `RedisStore.connect()` explicitly and waits for `ready`.
 * - `maxRetriesPerRequest: 1` and `autoResendUnfulfilledCommands: false`: a command that was in flight when the link
 *   dropped has already timed out for its caller; replaying an INCR after reconnect would count a request twice.
 * - reconnect: capped exponential backoff that never gives up. The delay is bounded (≤ 2 s) rather than the number
 *   of attempts, so a replica recovers by itself when Redis comes back instead of needing a restart.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { BrokerConfig } from '../config/schema.js';

export type RedisConfig = BrokerConfig['redis'];
export type RedisClient = Redis | Cluster;

const MAX_RECONNECT_DELAY_MS = 2000;

/** Capped exponential backoff with a little jitter, so replicas do not reconnect in lock-step after an outage. */
function reconnectDelayMs(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/**
 * Credentials and TLS for Sentinel / Cluster come from `url` when it is also given (`rediss://user:pass@…`): the
 * config has no separate password field, and secrets arrive through the URL's `*_FILE`/env override anyway.
 */
function authFromUrl(url: string | undefined): Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> {
  if (url === undefined) return {};
  const parsed = new URL(url);
  const out: Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> = {};
  if (parsed.username !== '') out.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') out.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') out.tls = {};
  const db = parsed.pathname.replace(/^\//, '');
  if (/^\d+$/.test(db)) out.db = Number(db);
  return out;
}

function commonOptions(config: RedisConfig): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    retryStrategy: reconnectDelayMs,
  };
}

export function createRedisClient(config: RedisConfig): RedisClient {
  if (config.cluster !== undefined && config.cluster.length > 0) {
    const { db: _db, ...auth } = authFromUrl(config.url); // Cluster has no databases.
    const { retryStrategy: _r, enableOfflineQueue: _q, lazyConnect: _l, ...nodeOptions } = commonOptions(config);
    const options: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelayMs,
      redisOptions: { ...nodeOptions, ...auth },
    };
    return new Cluster(
      config.cluster.map((n) => ({ host: n.host, port: n.port })),
      options,
    );
  }
  if (config.sentinels !== undefined && config.sentinels.length > 0) {
    if (config.sentinelName === undefined) throw new Error('redis.sentinelName is required with redis.sentinels');
    return new Redis({
      ...commonOptions(config),
      ...authFromUrl(config.url),
      sentinels: config.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: config.sentinelName,
      sentinelRetryStrategy: reconnectDelayMs,
    });
  }
  if (config.url !== undefined) return new Redis(config.url, commonOptions(config));
  throw new Error('redis: set url, sentinels with sentinelName, or cluster');
}
