/**
 * Redis Sentinel, for real: one master, one replica, three password-protected Sentinels started on loopback, the
 * broker configured with `redis.sentinels` + `redis.sentinelPassword`. See ha-suite.ts for the scenarios.
 */
import { Redis } from 'ioredis';
import { defineHaSuite } from './ha-suite.js';
import { MASTER_NAME, startSentinelTopology } from './sentinel-topology.js';

defineHaSuite('Redis Sentinel (1 master, 1 replica, 3 Sentinels)', { plannedFailover: false }, async () => {
  const t = await startSentinelTopology();
  return {
    redisConfig: (keyPrefix) => t.redisConfig(keyPrefix),
    async client() {
      const client = new Redis({
        sentinels: t.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
        name: MASTER_NAME,
        password: t.nodePassword,
        sentinelPassword: t.sentinelPassword,
        lazyConnect: true,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        commandTimeout: 500,
        retryStrategy: () => 50,
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
      });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    masterPortFor: () => t.currentMasterPort(),
    async killMasterOf() {
      await t.node(await t.currentMasterPort()).kill();
    },
    stop: () => t.stop(),
  };
});
