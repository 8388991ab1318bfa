/**
 * Redis Cluster, for real: three masters with a replica each on loopback, reachable only through `redis.natMap`
 * (the nodes announce names that do not resolve). See ha-suite.ts for the scenarios.
 */
import { Cluster } from 'ioredis';
import { defineHaSuite } from './ha-suite.js';
import { startClusterTopology } from './cluster-topology.js';

defineHaSuite('Redis Cluster (3 masters, 3 replicas, natMap)', { plannedFailover: true }, async () => {
  const t = await startClusterTopology();
  const seed = t.redisConfig('') as {
    cluster: Array<{ host: string; port: number }>;
    natMap: Record<string, { host: string; port: number }>;
  };
  return {
    redisConfig: (keyPrefix) => t.redisConfig(keyPrefix),
    async client() {
      const client = new Cluster(seed.cluster, {
        natMap: seed.natMap,
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: () => 50,
        redisOptions: { commandTimeout: 500, autoResendUnfulfilledCommands: false },
      });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    masterPortFor: (key) => t.masterPortForKey(key),
    plannedFailover: (key) => t.plannedFailover(key),
    async killMasterOf(key) {
      await t.node(await t.masterPortForKey(key)).kill();
    },
    stop: () => t.stop(),
  };
});
