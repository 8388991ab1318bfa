/**
 * The account-wide AssumeRole budget against the real Redis: three STS clients, each with its own per-replica bucket
 * and its own Redis connection (three replicas), share one count. A burst over all three makes no more STS calls
 * than the account budget allows, counted at the (fake) STS server. The clock is injected and frozen, so the burst
 * falls in one budget window however slow the machine is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/errors.js';
import { RedisStore } from '../../src/store/index.js';
import { accessKeyCredential, createAccountBudget, createStsClient, type StsClient, type StsConfig } from '../../src/sts/index.js';
import type { AssumeRoleInput } from '../../src/sts/types.js';
import { redisConfig, redisScope } from '../store/helpers.js';
import { fakeValue, startFakeSts, testStsConfig, type FakeSts } from './helpers/fake-sts-server.js';
import { ManualClock } from '../../dev/testing/clock.js';

const scope = redisScope('account-budget');
let sts: FakeSts;
beforeAll(async () => {
  sts = await startFakeSts();
  sts.script({ kind: 'ok' });
});
afterAll(async () => {
  await sts.close();
  await scope.cleanup();
});

const input: AssumeRoleInput = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  roleSessionName: 'acme.alice',
  policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:b/u/*"]}]}',
  durationSeconds: 900,
};
const brokerAk = accessKeyCredential(fakeValue('LTAI'), fakeValue('secret-'));

// Each replica alone would allow the whole burst: only the shared budget can hold the line.
const config = (accountCallsPerSecond: number): StsConfig =>
  testStsConfig(sts.endpoint, { maxCallsPerSecond: 1000, accountCallsPerSecond });

/** A frozen clock in an hour no other test of this file uses, so every test starts with an empty budget window. */
let hours = 0;
function freshClock() {
  hours += 1;
  return new ManualClock(Date.now() - hours * 3_600_000); // in the past: tokens from the fake STS are still valid
}

async function settle(calls: Array<Promise<unknown>>) {
  const results = await Promise.allSettled(calls);
  return results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof BrokerError ? r.reason : String(r.reason)));
}

describe('one STS budget for the account', () => {
  it('three replicas under a burst make no more AssumeRole calls than the account budget', async () => {
    const clock = freshClock();
    const replicas: StsClient[] = [];
    for (let i = 0; i < 3; i += 1) {
      replicas.push(
        createStsClient({
          config: config(10),
          trustedCa: sts.ca,
          credential: brokerAk,
          clock,
          store: await scope.store(),
          sleep: async () => undefined,
        }),
      );
    }
    const before = sts.requests.length;
    const results = await settle(Array.from({ length: 90 }, (_, i) => replicas[i % 3]!.assumeRole(input)));
    expect(sts.requests.length - before).toBe(10);
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    const refused = results.filter((r): r is BrokerError => r instanceof BrokerError);
    expect(refused).toHaveLength(80);
    for (const err of refused) expect(err).toMatchObject({ code: 'upstream_throttled', status: 503, retryAfterSeconds: 1 });

    // The next window has room again, for every replica.
    clock.advance(1000);
    const next = await settle(replicas.map((r) => r.assumeRole(input)));
    expect(next).toEqual(['ok', 'ok', 'ok']);
  });

  it('retries spend the shared budget: with none left, the STS failure is the answer and no retry is made', async () => {
    const clock = freshClock();
    const store = await scope.store();
    const client = createStsClient({
      config: config(1),
      trustedCa: sts.ca,
      credential: brokerAk,
      clock,
      store,
      sleep: async () => undefined,
    });
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    try {
      const before = sts.requests.length;
      const [result] = await settle([client.assumeRole(input)]);
      expect(result).toMatchObject({ code: 'upstream_unavailable' }); // STS's failure, not "throttled"
      expect(sts.requests.length - before).toBe(1);
    } finally {
      sts.script({ kind: 'ok' });
    }
  });

  it('background work stops at its share of a window and never waits', async () => {
    const clock = freshClock();
    const budget = createAccountBudget({ store: await scope.store(), limit: 4, clock, sleep: async () => undefined });
    const background = await settle(Array.from({ length: 5 }, () => budget.take({ background: true })));
    expect(background.filter((r) => r === 'ok')).toHaveLength(3); // 75 % of 4
    // Refused background takes gave their unit back: the foreground still finds the last one.
    expect(await settle([budget.take(), budget.take()])).toEqual(['ok', expect.objectContaining({ code: 'upstream_throttled' })]);
  });

  it('fails closed when Redis cannot be reached: no STS call, store_unavailable', async () => {
    const dead = RedisStore.fromConfig(redisConfig(scope.prefix, { url: 'redis://127.0.0.1:1' }));
    scope.opened.push(dead);
    const client = createStsClient({
      config: config(40),
      trustedCa: sts.ca,
      credential: brokerAk,
      store: dead,
      sleep: async () => undefined,
    });
    const before = sts.requests.length;
    const [result] = await settle([client.assumeRole(input)]);
    expect(result).toMatchObject({ code: 'store_unavailable', status: 503, retryAfterSeconds: 1 });
    expect(sts.requests.length - before).toBe(0);
  });
});
