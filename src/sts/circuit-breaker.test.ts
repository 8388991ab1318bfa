import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { BudgetRefusedError, CircuitBreaker, type BreakerState } from './index.js';
import { ManualClock } from '../../dev/testing/clock.js';

const outage = () => new BrokerError('upstream_unavailable', 'down');
const rejected = () => new BrokerError('upstream_rejected', 'STS refused: NoPermission');

/** A budget refusal: the call never reached STS. */
const notAttempted = () => new BudgetRefusedError('upstream_throttled', 'no budget');

function setup(failureThreshold = 3, openSeconds = 10) {
  const clock = new ManualClock();
  const changes: Array<[BreakerState, BreakerState]> = [];
  let rejects = 0;
  const breaker = new CircuitBreaker({
    failureThreshold,
    openSeconds,
    clock,
    isOutage: (e) => e instanceof BrokerError && e.code === 'upstream_unavailable',
    isNotAttempted: (e) => e instanceof BudgetRefusedError,
    onStateChange: (from, to) => changes.push([from, to]),
    onReject: () => (rejects += 1),
  });
  let calls = 0;
  const fail = (e: () => Error) =>
    breaker.run(async () => {
      calls += 1;
      throw e();
    });
  const succeed = () =>
    breaker.run(async () => {
      calls += 1;
      return 'ok';
    });
  return { clock, breaker, changes, fail, succeed, calls: () => calls, rejects: () => rejects };
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive outages and fails fast with Retry-After', async () => {
    const b = setup(3, 10);
    for (let i = 0; i < 3; i += 1) await expect(b.fail(outage)).rejects.toThrow('down');
    expect(b.breaker.state).toBe('open');
    b.clock.advance(2500);
    const err = await b.succeed().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterSeconds: 8 });
    expect(b.calls()).toBe(3);
    expect(b.rejects()).toBe(1);
    expect(b.changes).toEqual([['closed', 'open']]);
  });

  it('a success resets the consecutive count', async () => {
    const b = setup(3);
    await expect(b.fail(outage)).rejects.toThrow();
    await expect(b.fail(outage)).rejects.toThrow();
    await b.succeed();
    await expect(b.fail(outage)).rejects.toThrow();
    await expect(b.fail(outage)).rejects.toThrow();
    expect(b.breaker.state).toBe('closed');
  });

  it('rejections do not count (STS answered)', async () => {
    const b = setup(2);
    for (let i = 0; i < 5; i += 1) await expect(b.fail(rejected)).rejects.toMatchObject({ code: 'upstream_rejected' });
    expect(b.breaker.state).toBe('closed');
    await expect(b.fail(outage)).rejects.toThrow();
    await expect(b.fail(rejected)).rejects.toThrow();
    await expect(b.fail(outage)).rejects.toThrow();
    expect(b.breaker.state).toBe('closed');
  });

  it('a call that never reached STS neither closes nor re-opens it, and gives the half-open trial back', async () => {
    const b = setup(1, 10);
    await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(10_000);
    await expect(b.fail(notAttempted)).rejects.toBeInstanceOf(BudgetRefusedError);
    expect(b.breaker.state).toBe('half-open');
    // The trial slot is free again: the next caller is let through instead of being refused as "open".
    await expect(b.succeed()).resolves.toBe('ok');
    expect(b.breaker.state).toBe('closed');
    expect(b.rejects()).toBe(0);
  });

  it('budget refusals in the closed state do not reset the outage count', async () => {
    const b = setup(2, 10);
    await expect(b.fail(outage)).rejects.toThrow();
    await expect(b.fail(notAttempted)).rejects.toThrow();
    await expect(b.fail(outage)).rejects.toThrow();
    expect(b.breaker.state).toBe('open');
  });

  it('half-open lets one trial through; success closes', async () => {
    const b = setup(1, 10);
    await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(10_000);
    expect(b.breaker.state).toBe('half-open');
    await expect(b.succeed()).resolves.toBe('ok');
    expect(b.breaker.state).toBe('closed');
    expect(b.changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('half-open trial failure re-opens for openSeconds', async () => {
    const b = setup(5, 10);
    for (let i = 0; i < 5; i += 1) await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(10_000);
    await expect(b.fail(outage)).rejects.toThrow('down');
    expect(b.breaker.state).toBe('open');
    await expect(b.succeed()).rejects.toMatchObject({ retryAfterSeconds: 10 });
    expect(b.calls()).toBe(6);
  });

  it('only one trial runs while half-open', async () => {
    const b = setup(1, 1);
    await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(1000);
    let release: () => void = () => undefined;
    const trial = b.breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('trial'))));
    await expect(b.succeed()).rejects.toMatchObject({ code: 'upstream_unavailable', retryAfterSeconds: 1 });
    release();
    await expect(trial).resolves.toBe('trial');
    await expect(b.succeed()).resolves.toBe('ok');
  });

  it('a rejected trial closes the breaker (STS is reachable)', async () => {
    const b = setup(1, 1);
    await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(1000);
    await expect(b.fail(rejected)).rejects.toMatchObject({ code: 'upstream_rejected' });
    expect(b.breaker.state).toBe('closed');
  });

  it('a call admitted while closed is stopped between its attempts once the breaker opens', async () => {
    const b = setup(1, 10);
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let attempts = 0;
    const inFlight = b.breaker.run(async (stillAdmitted) => {
      attempts += 1;
      await paused; // between its first and second attempt
      stillAdmitted();
      attempts += 1;
      return 'retried';
    });
    await expect(b.fail(outage)).rejects.toThrow('down'); // opens the breaker
    b.clock.advance(4200);
    resume();
    await expect(inFlight).rejects.toMatchObject({ name: 'BreakerOpenError', code: 'upstream_unavailable', retryAfterSeconds: 6 });
    expect(attempts).toBe(1);
    expect(b.rejects()).toBe(1);
    // The stop is no STS answer: it neither re-opens the breaker nor moves its reopening.
    expect(b.changes).toEqual([['closed', 'open']]);
    b.clock.advance(5800);
    expect(b.breaker.state).toBe('half-open');
  });

  it('half-open: the trial may retry, a call admitted before the breaker opened may not', async () => {
    const b = setup(1, 10);
    let resumeOld: () => void = () => undefined;
    const oldPaused = new Promise<void>((resolve) => (resumeOld = resolve));
    const old = b.breaker.run(async (stillAdmitted) => {
      await oldPaused;
      stillAdmitted();
      return 'old';
    });
    await expect(b.fail(outage)).rejects.toThrow();
    b.clock.advance(10_000);
    let resumeTrial: () => void = () => undefined;
    const trialPaused = new Promise<void>((resolve) => (resumeTrial = resolve));
    const trial = b.breaker.run(async (stillAdmitted) => {
      await trialPaused;
      stillAdmitted();
      return 'trial';
    });
    resumeOld();
    await expect(old).rejects.toMatchObject({ name: 'BreakerOpenError', retryAfterSeconds: 1 });
    resumeTrial();
    await expect(trial).resolves.toBe('trial');
    expect(b.breaker.state).toBe('closed');
  });

  it("an outage failing while the breaker is open says when it lets a call through, as the breaker's refusals do", async () => {
    const b = setup(1, 2.5);
    const err = await b.fail(outage).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_unavailable', detail: 'down', retryAfterSeconds: 3 });
  });
});
