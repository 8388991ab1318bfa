/**
 * Which Redis the configuration names: the one answer to "is there a shared store?". The loader's checks, the
 * runtime's store choice and the Redis client all ask here. Two copies of this predicate once disagreed about an
 * empty `cluster: []` (the loader saw Redis, the runtime did not), and production ran on the in-memory store.
 */
import type { BrokerConfig } from './schema.js';

export type RedisTopology = 'cluster' | 'sentinel' | 'standalone' | 'none';

type RedisFields = Pick<BrokerConfig['redis'], 'url' | 'sentinels' | 'cluster'>;

/** Cluster wins over Sentinel over a plain URL; with both lists set the loader refuses the file before this matters. */
export function redisTopology(redis: RedisFields): RedisTopology {
  if (redis.cluster !== undefined && redis.cluster.length > 0) return 'cluster';
  if (redis.sentinels !== undefined && redis.sentinels.length > 0) return 'sentinel';
  if (redis.url !== undefined && redis.url !== '') return 'standalone';
  return 'none';
}
