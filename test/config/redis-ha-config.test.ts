/** The HA part of the `redis` block as an operator writes it: Sentinel with a password from a mounted secret. */
import { describe, expect, it } from 'vitest';
import { minimalConfig, randomKey, writeTempFile } from '../../dev/testing/config.js';
import { ConfigError } from '../../src/config/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';

/** The minimal configuration with this `redis` block, and its cache key left to BROKER_CACHE_KEY. */
const configFile = (redis: Record<string, unknown>): string => writeTempFile(minimalConfig({ redis, cache: undefined }));

const sentinels = { sentinels: [{ host: 'redis-sentinel', port: 26379 }], sentinelName: 'mymaster' };
const cacheKey = randomKey();

describe('redis HA configuration', () => {
  it('takes the Sentinel password from BROKER_REDIS_SENTINEL_PASSWORD_FILE, not from the file', () => {
    const secret = writeTempFile('s3ntinel-pw\n', 'sentinel-password');
    const config = loadConfigFile(configFile(sentinels), { BROKER_REDIS_SENTINEL_PASSWORD_FILE: secret, BROKER_CACHE_KEY: cacheKey });
    expect(config.redis.sentinelPassword).toBe('s3ntinel-pw');
  });

  it('refuses the Sentinel password from both the variable and a file', () => {
    const secret = writeTempFile('a', 'sentinel-password');
    expect(() =>
      loadConfigFile(configFile(sentinels), {
        BROKER_REDIS_SENTINEL_PASSWORD: 'b',
        BROKER_REDIS_SENTINEL_PASSWORD_FILE: secret,
        BROKER_CACHE_KEY: cacheKey,
      }),
    ).toThrow(ConfigError);
  });

  it('accepts TLS with a CA file and a Cluster natMap, and names a bad natMap key by path', () => {
    const cluster = { cluster: [{ host: '10.0.0.1', port: 6379 }], url: 'rediss://:pw@cluster', tls: { caFile: '/etc/redis/ca.pem' } };
    const natMap = { '10.0.0.1:6379': { host: '203.0.113.1', port: 16379 } };
    const config = loadConfigFile(configFile({ ...cluster, natMap }), { BROKER_CACHE_KEY: cacheKey });
    expect(config.redis.tls).toEqual({ caFile: '/etc/redis/ca.pem', sentinels: true });
    expect(config.redis.natMap).toEqual(natMap);
    try {
      loadConfigFile(configFile({ ...cluster, natMap: { 'node-a': { host: 'x', port: 1 } } }), { BROKER_CACHE_KEY: cacheKey });
      expect.unreachable('a natMap key without a port must be refused');
    } catch (error) {
      expect((error as ConfigError).problems).toContainEqual(expect.stringMatching(/^redis\.natMap: keys are "host:port"/));
    }
  });
});
