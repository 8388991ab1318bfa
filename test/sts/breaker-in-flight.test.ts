/**
 * The circuit breaker and the calls it did not refuse: a call admitted while the breaker was closed asks it again
 * before every retry, so once it opens no call in flight reaches STS again; and whatever the open breaker answers
 * tells the caller to come back when it lets a call through, not later and not sooner. Through the real SDK against
 * the scripted fake STS (requests counted there), with an injected clock and a backoff sleep the test releases.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { refusal } from '../../dev/testing/errors.js';
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
const OPEN_SECONDS = 3;
let sts: FakeSts;

beforeAll(async () => {
  sts = await startFakeSts();
});
afterAll(async () => sts.close());
beforeEach(() => {
  sts.requests.length = 0;
  sts.script({ kind: 'error', status: 500, code: 'InternalError' });
});

const config = (overrides: Partial<StsConfig> = {}): StsConfig =>
  testStsConfig(sts.endpoint, { breaker: { failureThreshold: 1, openSeconds: OPEN_SECONDS }, ...overrides });

/** A backoff sleep whose first call waits until the test releases it; later ones return at once. */
function gatedSleep() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const sleep = async (): Promise<void> => {
    calls += 1;
    if (calls === 1) await gate;
  };
  return { sleep, release, calls: () => calls };
}

function client(overrides: Partial<StsConfig> = {}, sleep: (ms: number) => Promise<void> = async () => undefined) {
  const clock = new ManualClock(Date.now());
  const outcomes: StsCallOutcome[] = [];
  const broker = createStsClient({
    config: config(overrides),
    credential: accessKeyCredential(brokerAk.id, brokerAk.secret),
    trustedCa: sts.ca,
    clock,
    sleep,
    random: () => 0.5, // a backoff of 50 ms or more: the sleep is always called
    onCall: (o) => outcomes.push(o),
  });
  return { broker, clock, outcomes };
}

describe('an open circuit breaker and the calls already in flight', () => {
  it('a call waiting to retry when the breaker opens makes no further STS call and ends with the breaker refusal', async () => {
    const gated = gatedSleep();
    const c = client({}, gated.sleep);
    const inFlight = c.broker.assumeRole(input); // attempt 1 fails, then waits in its backoff
    await vi.waitFor(() => expect(gated.calls()).toBe(1));
    expect(sts.requests).toHaveLength(1);

    // Another call fails all its attempts meanwhile and opens the breaker.
    expect((await refusal(c.broker.assumeRole(input))).code).toBe('upstream_unavailable');
    const whenOpened = sts.requests.length;
    expect(whenOpened).toBe(4);

    c.clock.advance(1200); // 1.8 s of the 3 s left
    gated.release();
    const err = await refusal(inFlight);
    expect({ code: err.code, status: err.status, retryAfterSeconds: err.retryAfterSeconds }).toEqual({
      code: 'upstream_unavailable',
      status: 503,
      retryAfterSeconds: 2,
    });
    expect(sts.requests).toHaveLength(whenOpened);
    expect(c.outcomes.at(-1)?.code).toBe('breaker_open');
  });

  it('the half-open trial still retries its own attempts', async () => {
    const c = client();
    await refusal(c.broker.assumeRole(input));
    c.clock.advance(OPEN_SECONDS * 1000);
    sts.requests.length = 0;
    sts.script({ kind: 'error', status: 500, code: 'InternalError' }, { kind: 'ok' });
    await expect(c.broker.assumeRole(input)).resolves.toMatchObject({ accessKeyId: sts.secrets.accessKeyId });
    expect(sts.requests).toHaveLength(2);
  });
});

describe("Retry-After while the breaker is open: the breaker's remaining open time", () => {
  it('on the outage that opens it and on every refusal, rounded up to whole seconds and at least 1', async () => {
    const c = client({ maxAttempts: 1 });
    const opening = await refusal(c.broker.assumeRole(input));
    expect({ code: opening.code, retryAfterSeconds: opening.retryAfterSeconds }).toEqual({
      code: 'upstream_unavailable',
      retryAfterSeconds: OPEN_SECONDS,
    });

    const seen: Array<number | undefined> = [];
    for (const step of [400, 1600, 999]) {
      c.clock.advance(step); // 2.6 s, 1 s, then 1 ms left
      seen.push((await refusal(c.broker.assumeRole(input))).retryAfterSeconds);
    }
    expect(seen).toEqual([3, 1, 1]);
    expect(sts.requests).toHaveLength(1);
    expect(c.outcomes.map((o) => o.code)).toEqual(['InternalError', 'breaker_open', 'breaker_open', 'breaker_open']);
  });
});
