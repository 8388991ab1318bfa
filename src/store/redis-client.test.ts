import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { reconnectOnReadOnly, redisConnectionPlan, type RedisConfig } from './redis-client.js';

/** The `redis` block as the schema turns it into config (defaults applied, refinements checked). */
function redis(block: Record<string, unknown>): RedisConfig {
  return configSchema.shape.redis.parse(block);
}

/** Stands in for the file system: the plan reads PEM files once; here each path maps to recognisable bytes. */
const files: Record<string, string> = {
  '/etc/redis/ca.pem': 'CA-PEM',
  '/etc/redis/client.pem': 'CERT-PEM',
  '/etc/redis/client.key': 'KEY-PEM',
};
const readFile = (path: string): Buffer => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: ${path}`);
  return Buffer.from(text);
};

const sentinels = [
  { host: '10.0.0.1', port: 26379 },
  { host: '10.0.0.2', port: 26379 },
];
const clusterNodes = [{ host: '10.0.1.1', port: 6379 }];

describe('redisConnectionPlan: Sentinel', () => {
  it('passes the Sentinel password to ioredis and the data-node password from the url', () => {
    const plan = redisConnectionPlan(
      redis({ url: 'redis://app:node%40pw@ignored/2', sentinels, sentinelName: 'mymaster', sentinelPassword: 's3ntinel' }),
      readFile,
    );
    expect(plan.mode).toBe('sentinel');
    expect(plan.options).toMatchObject({
      name: 'mymaster',
      sentinels,
      sentinelPassword: 's3ntinel',
      username: 'app',
      password: 'node@pw',
      db: 2,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
    });
    expect(plan.options).not.toHaveProperty('tls');
    expect(plan.options).not.toHaveProperty('sentinelTLS');
    // ioredis 6.0.0's failoverDetector can end the client for good during a crash failover (redis-client.ts).
    expect(plan.options).not.toHaveProperty('failoverDetector');
  });

  it('uses TLS with the CA file for the data nodes and the Sentinels', () => {
    const plan = redisConnectionPlan(
      redis({ sentinels, sentinelName: 'mymaster', tls: { caFile: '/etc/redis/ca.pem', serverName: 'redis.internal' } }),
      readFile,
    );
    const tls = { ca: Buffer.from('CA-PEM'), servername: 'redis.internal' };
    // Without enableTLSForSentinelMode ioredis would connect to the master in plain text despite `tls`.
    expect(plan.options).toMatchObject({ tls, enableTLSForSentinelMode: true, sentinelTLS: tls });
  });

  it('can keep the Sentinels in plain text while the data nodes use TLS', () => {
    const plan = redisConnectionPlan(
      redis({ sentinels, sentinelName: 'mymaster', tls: { caFile: '/etc/redis/ca.pem', sentinels: false } }),
      readFile,
    );
    expect(plan.options).toMatchObject({ tls: { ca: Buffer.from('CA-PEM') }, enableTLSForSentinelMode: true });
    expect(plan.options).not.toHaveProperty('sentinelTLS');
  });

  it('turns TLS on for a rediss:// url with the system CAs', () => {
    const plan = redisConnectionPlan(redis({ url: 'rediss://:pw@ignored', sentinels, sentinelName: 'mymaster' }), readFile);
    expect(plan.options).toMatchObject({ tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {}, password: 'pw' });
  });

  it('passes natMap for masters that announce internal addresses', () => {
    const natMap = { '172.17.0.2:6379': { host: '203.0.113.5', port: 16379 } };
    const plan = redisConnectionPlan(redis({ sentinels, sentinelName: 'mymaster', natMap }), readFile);
    expect(plan.options.natMap).toEqual(natMap);
  });

  it('refuses sentinels without a sentinelName', () => {
    expect(() => redisConnectionPlan(redis({ sentinels }), readFile)).toThrow(/sentinelName/);
  });
});

describe('redisConnectionPlan: Cluster', () => {
  it('passes natMap at the cluster level and credentials, TLS and deadlines to every node', () => {
    const natMap = { '10.0.1.1:6379': { host: '127.0.0.1', port: 7001 }, 'node-b.internal:6379': { host: '127.0.0.1', port: 7002 } };
    const plan = redisConnectionPlan(
      redis({
        url: 'rediss://app:pw@ignored/3',
        cluster: clusterNodes,
        natMap,
        tls: { caFile: '/etc/redis/ca.pem', certFile: '/etc/redis/client.pem', keyFile: '/etc/redis/client.key' },
        commandTimeoutMs: 300,
      }),
      readFile,
    );
    expect(plan.mode).toBe('cluster');
    if (plan.mode !== 'cluster') return;
    expect(plan.nodes).toEqual(clusterNodes);
    expect(plan.options).toMatchObject({ natMap, enableOfflineQueue: false, lazyConnect: true });
    expect(plan.options.redisOptions).toMatchObject({
      username: 'app',
      password: 'pw',
      commandTimeout: 300,
      tls: { ca: Buffer.from('CA-PEM'), cert: Buffer.from('CERT-PEM'), key: Buffer.from('KEY-PEM') },
    });
    // A cluster has no databases; ioredis refuses SELECT there.
    expect(plan.options.redisOptions).not.toHaveProperty('db');
  });

  it('has no TLS when neither rediss:// nor a tls block asks for it', () => {
    const plan = redisConnectionPlan(redis({ cluster: clusterNodes }), readFile);
    expect(plan.mode === 'cluster' && plan.options.redisOptions).not.toHaveProperty('tls');
  });
});

describe('redisConnectionPlan: standalone', () => {
  it('adds the tls block to a rediss:// url', () => {
    const plan = redisConnectionPlan(redis({ url: 'rediss://:pw@redis.internal:6380', tls: { caFile: '/etc/redis/ca.pem' } }), readFile);
    expect(plan).toMatchObject({
      mode: 'standalone',
      url: 'rediss://:pw@redis.internal:6380',
      options: { tls: { ca: Buffer.from('CA-PEM') } },
    });
  });

  it('stops at start-up when the CA file cannot be read', () => {
    expect(() => redisConnectionPlan(redis({ url: 'rediss://redis.internal', tls: { caFile: '/missing.pem' } }), readFile)).toThrow(
      /ENOENT/,
    );
  });
});

describe('the redis config block', () => {
  it('refuses a tls block with a plain-text redis:// url', () => {
    const result = configSchema.shape.redis.safeParse({ url: 'redis://redis.internal', tls: { caFile: '/etc/redis/ca.pem' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['tls']);
  });

  it('refuses a client certificate without its key', () => {
    const result = configSchema.shape.redis.safeParse({ url: 'rediss://redis.internal', tls: { certFile: '/etc/redis/client.pem' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['tls', 'certFile']);
  });

  it('refuses natMap keys that are not host:port', () => {
    const result = configSchema.shape.redis.safeParse({ cluster: clusterNodes, natMap: { 'node-a': { host: '127.0.0.1', port: 1 } } });
    expect(result.success).toBe(false);
  });
});

describe('reconnectOnReadOnly', () => {
  it('reconnects without resending on READONLY, and leaves every other error alone', () => {
    expect(reconnectOnReadOnly(new Error("READONLY You can't write against a read only replica."))).toBe(1);
    expect(reconnectOnReadOnly(new Error('ERR wrong number of arguments'))).toBe(false);
  });
});
