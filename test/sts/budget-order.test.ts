/**
 * The order in front of STS: breaker first, then the budgets. A call the open breaker refuses must spend no budget,
 * and must be reported as what it is (STS unavailable), never as throttling. Through the real SDK against the
 * scripted fake STS, with an injected clock so no budget refills behind the test's back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/errors.js';
import { accessKeyCredential, createStsClient, type StsCallOutcome, type StsConfig } from '../../src/sts/index.js';
import type { AssumeRoleInput } from '../../src/sts/types.js';
import { fakeValue, startFakeSts, testStsConfig, type FakeSts } from './helpers/fake-sts-server.js';
import { ManualClock } from '../../dev/testing/clock.js';

const input: AssumeRoleInput = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  roleSessionName: 'acme.alice',
  policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:b/u/*"]}]}',
  durationSeconds: 900,
};
const brokerAk = { id: fakeValue('LTAI'), secret: fakeValue('broker-secret-') };
let sts: FakeSts;

beforeAll(async () => {
  sts = await startFakeSts();
});
afterAll(async () => sts.close());
beforeEach(() => {
  sts.requests.length = 0;
  sts.script({ kind: 'ok' });
});

const config = (overrides: Partial<StsConfig>): StsConfig =>
  testStsConfig(sts.endpoint, { maxAttempts: 1, breaker: { failureThreshold: 1, openSeconds: 10 }, ...overrides });

async function outcome(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof BrokerError ? err.code : 'ok';
}

describe('breaker before budget', () => {
  it('calls the open breaker refuses spend no budget and say "unavailable", never "throttled"', async () => {
    const clock = new ManualClock(Date.now());
    const outcomes: StsCallOutcome[] = [];
    const client = createStsClient({
      config: config({ maxCallsPerSecond: 2 }),
      credential: accessKeyCredential(brokerAk.id, brokerAk.secret),
      trustedCa: sts.ca,
      clock,
      onCall: (o) => outcomes.push(o),
      sleep: async () => undefined,
    });
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    expect(await outcome(client.assumeRole(input))).toBe('upstream_unavailable'); // opens the breaker; 1 of 2 spent

    const whileOpen = [];
    for (let i = 0; i < 6; i += 1) whileOpen.push(await outcome(client.assumeRole(input)));
    expect(whileOpen).toEqual(Array(6).fill('upstream_unavailable'));
    expect(outcomes.filter((o) => o.code === 'budget_exhausted')).toEqual([]);
    expect(sts.requests).toHaveLength(1);

    // Half-open: the trial goes to STS.
    clock.advance(10_000);
    sts.script({ kind: 'ok' });
    expect(await outcome(client.assumeRole(input))).toBe('ok');
    expect(sts.requests).toHaveLength(2);
  });

  it('a half-open trial the budget refuses neither closes the breaker nor uses up the trial', async () => {
    const clock = new ManualClock(Date.now());
    const events: string[] = [];
    const client = createStsClient({
      // Half a call per second: after the first call the bucket needs two seconds for the next token.
      config: config({ maxCallsPerSecond: 0.5, breaker: { failureThreshold: 1, openSeconds: 1 } }),
      credential: accessKeyCredential(brokerAk.id, brokerAk.secret),
      trustedCa: sts.ca,
      clock,
      sleep: async () => undefined,
      logger: { warn: (o) => events.push(String((o as { event?: string }).event)), debug: () => undefined },
    });
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    expect(await outcome(client.assumeRole(input))).toBe('upstream_unavailable');
    clock.advance(1000); // half-open, but only half a token in the bucket
    sts.script({ kind: 'ok' });
    expect(await outcome(client.assumeRole(input))).toBe('upstream_throttled');
    expect(events).not.toContain('sts.breaker.closed'); // a refusal by our own budget says nothing about STS
    clock.advance(1000);
    expect(await outcome(client.assumeRole(input))).toBe('ok'); // the trial slot was given back
    expect(events.filter((e) => e.startsWith('sts.breaker.'))).toEqual(['sts.breaker.open', 'sts.breaker.half_open', 'sts.breaker.closed']);
    expect(sts.requests).toHaveLength(2);
  });
});
