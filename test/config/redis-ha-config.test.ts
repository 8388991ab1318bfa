/** The HA part of the `redis` block as an operator writes it: Sentinel with a password from a mounted secret. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'osb-redis-ha-config-'));

function configFile(redis: Record<string, unknown>): string {
  const path = join(dir, `${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(
    path,
    stringify({
      clients: [{ id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'b', jwksUri: 'https://idp.test/jwks', tenant: 'acme' }],
      profiles: {
        uploads: {
          bucket: 'my-bucket',
          region: 'cn-hangzhou',
          roleArn: 'acs:ram::123456789012:role/uploader',
          prefix: 'uploads/${tenant}/${sub}/',
          operations: ['put'],
          clients: ['web'],
        },
      },
      sts: { region: 'cn-hangzhou' },
      redis,
    }),
  );
  return path;
}

const sentinels = { sentinels: [{ host: 'redis-sentinel', port: 26379 }], sentinelName: 'mymaster' };
const cacheKey = randomBytes(32).toString('base64');

describe('redis HA configuration', () => {
  it('takes the Sentinel password from BROKER_REDIS_SENTINEL_PASSWORD_FILE, not from the file', () => {
    const secret = join(dir, 'sentinel-password');
    writeFileSync(secret, 's3ntinel-pw\n');
    const config = loadConfigFile(configFile(sentinels), { BROKER_REDIS_SENTINEL_PASSWORD_FILE: secret, BROKER_CACHE_KEY: cacheKey });
    expect(config.redis.sentinelPassword).toBe('s3ntinel-pw');
  });

  it('refuses the Sentinel password from both the variable and a file', () => {
    const secret = join(dir, 'sentinel-password-2');
    writeFileSync(secret, 'a');
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
