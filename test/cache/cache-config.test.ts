/**
 * The token cache as the configuration builds it (tokenCacheFromConfig): how long a request waits for another
 * replica's AssumeRole follows from the STS client's deadline, so a slow but successful STS never turns into 503s.
 * Two caches with separate L1s sharing the real Redis stand in for two replicas; STS is a fake StsClient whose
 * AssumeRole answers after 7 s, inside the default deadline (sts.timeoutMs 5 s, three attempts: about 16 s).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenCacheFromConfig, tokenCacheKey } from '../../src/cache/index.js';
import { tokenValueKey } from '../../src/cache/shared-tokens.js';
import { MemoryStore, type KeyValueStore } from '../../src/store/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { assumeRoleDeadlineMs } from '../../src/sts/index.js';
import type { AssumeRoleInput, StsClient, StsCredentials } from '../../src/sts/types.js';
import { problemsOf } from '../helpers/config-problems.js';
import { REDIS_URL, redisScope } from '../store/helpers.js';

const scope = redisScope('cache-config');
afterAll(() => scope.cleanup());

const STS_LATENCY_MS = 7000;

function rawConfig(cache: Record<string, unknown> = {}) {
  return {
    clients: [{ id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'a', jwksUri: 'https://idp.test/jwks', tenant: 'acme' }],
    profiles: {
      p: { bucket: 'bkt', region: 'cn-hangzhou', roleArn: 'acs:ram::1:role/r', prefix: 'u/${sub}/', operations: ['put'], clients: ['web'] },
    },
    sts: { endpoint: '127.0.0.1:1' },
    redis: { url: REDIS_URL, keyPrefix: scope.prefix },
    cache: { encryptionKey: randomBytes(32).toString('base64'), ...cache },
  };
}

/** STS answering every AssumeRole after `latencyMs`, counting the calls. */
function slowSts(latencyMs: number): StsClient & { calls: number } {
  let n = 0;
  return {
    calls: 0,
    async assumeRole(_input: AssumeRoleInput): Promise<StsCredentials> {
      this.calls += 1;
      n += 1;
      await sleep(latencyMs);
      return {
        accessKeyId: `STS.slow-${n}`,
        accessKeySecret: `SECRET-${randomBytes(8).toString('hex')}`,
        securityToken: `TOKEN-${randomBytes(16).toString('hex')}`,
        expiresAt: Date.now() + 900_000,
      };
    },
  };
}

describe('tokenCacheFromConfig', () => {
  it('STS slower than a few seconds but within its deadline: both replicas get the one token, no 503', async () => {
    const config = parseConfig(rawConfig());
    expect(assumeRoleDeadlineMs(config.sts)).toBeGreaterThan(STS_LATENCY_MS); // the premise: a slow, not a failed, call
    const encryptionKey = Buffer.from(config.cache.encryptionKey ?? '', 'base64');
    const replica = async () => tokenCacheFromConfig(config, { store: await scope.store(), encryptionKey, clock: systemClock });
    const [a, b] = [await replica(), await replica()];
    const sts = slowSts(STS_LATENCY_MS);
    const input: AssumeRoleInput = { roleArn: 'acs:ram::1:role/r', roleSessionName: 'acme.alice', policy: '{}', durationSeconds: 900 };
    const issue = () => sts.assumeRole(input);
    const key = tokenCacheKey({
      purpose: 'credentials',
      roleArn: input.roleArn,
      policyJson: `{"r":"${randomBytes(4).toString('hex')}"}`,
      durationSeconds: 900,
      roleSessionName: input.roleSessionName,
    });

    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => a.getOrIssue(key, issue)),
      ...Array.from({ length: 5 }, () => b.getOrIssue(key, issue)),
    ]);
    a.close();
    b.close();

    const refused = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { code?: unknown }).code)] : []));
    expect(refused).toEqual([]);
    expect(sts.calls).toBe(1);
    const served = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(new Set(served.map((r) => r.credentials.accessKeyId))).toEqual(new Set(['STS.slow-1']));
    expect(served.filter((r) => !r.cached)).toHaveLength(1);
  }, 60_000);

  it('on the memory store the token lives in L1 only; with L1 off, or on Redis, the store keeps it', async () => {
    const config = parseConfig(rawConfig());
    const encryptionKey = Buffer.from(config.cache.encryptionKey ?? '', 'base64');
    const input: AssumeRoleInput = { roleArn: 'acs:ram::1:role/r', roleSessionName: 'acme.alice', policy: '{}', durationSeconds: 900 };
    const sts = slowSts(0);
    const tokenKeys = async (store: KeyValueStore, l1MaxEntries: number): Promise<boolean> => {
      const cache = tokenCacheFromConfig(
        { ...config, cache: { ...config.cache, l1MaxEntries } },
        { store, encryptionKey, clock: systemClock },
      );
      const key = tokenCacheKey({ purpose: 'credentials', ...input, policyJson: `{"r":"${randomBytes(4).toString('hex')}"}` });
      const calls = sts.calls;
      await cache.getOrIssue(key, () => sts.assumeRole(input));
      expect((await cache.getOrIssue(key, () => sts.assumeRole(input))).cached).toBe(true);
      expect(sts.calls).toBe(calls + 1);
      cache.close();
      return (await store.get(tokenValueKey(key))) !== null;
    };
    expect(await tokenKeys(new MemoryStore(), config.cache.l1MaxEntries)).toBe(false);
    expect(await tokenKeys(new MemoryStore(), 0)).toBe(true);
    expect(await tokenKeys(await scope.store(), config.cache.l1MaxEntries)).toBe(true);
  });

  it('cache.lockTimeoutMs is no setting: a file that sets it is refused by name, with what to do', () => {
    const problems = problemsOf(() => parseConfig(rawConfig({ lockTimeoutMs: 6000 })));
    expect(problems).toEqual([expect.stringMatching(/^cache\.lockTimeoutMs: not a setting: .*sts\.timeoutMs.*remove this line$/)]);
  });
});
