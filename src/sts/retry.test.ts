import { ClientError, ServerError } from '@alicloud/openapi-core';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { backoffDelay, mapStsError, withRetry } from './index.js';
import { ManualClock } from '../../dev/testing/clock.js';

const noPermission = () => new ClientError({ statusCode: 403, code: 'NoPermission', message: 'm' });
const internal = () => new ServerError({ statusCode: 500, code: 'InternalError', message: 'm' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function harness(opts: { maxAttempts?: number; deadlineMs?: number; beforeRetry?: () => boolean } = {}) {
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const failures: Array<[string, number, boolean]> = [];
  const options = {
    maxAttempts: opts.maxAttempts ?? 3,
    deadlineMs: opts.deadlineMs ?? 60_000,
    clock,
    random: () => 0.5,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    ...(opts.beforeRetry === undefined ? {} : { beforeRetry: opts.beforeRetry }),
    onAttemptFailed: (f: ReturnType<typeof mapStsError>, n: number, willRetry: boolean) => failures.push([f.outcomeCode, n, willRetry]),
  };
  return { clock, sleeps, failures, options };
}

function failing(errors: unknown[], result = 'done') {
  let calls = 0;
  const fn = async () => {
    const e = errors[calls];
    calls += 1;
    if (e !== undefined) throw e;
    return result;
  };
  return { fn, calls: () => calls };
}

describe('withRetry', () => {
  it('returns at once on success', async () => {
    const h = harness();
    const f = failing([]);
    await expect(withRetry(f.fn, mapStsError, h.options)).resolves.toBe('done');
    expect(f.calls()).toBe(1);
  });

  it('retries retryable failures and succeeds', async () => {
    const h = harness();
    const f = failing([internal(), refused()]);
    await expect(withRetry(f.fn, mapStsError, h.options)).resolves.toBe('done');
    expect(f.calls()).toBe(3);
    expect(h.failures).toEqual([
      ['InternalError', 1, true],
      ['network', 2, true],
    ]);
  });

  it('stops at maxAttempts and throws the last mapped error', async () => {
    const h = harness({ maxAttempts: 3 });
    const f = failing([internal(), internal(), internal(), internal()]);
    const err = await withRetry(f.fn, mapStsError, h.options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as BrokerError).code).toBe('upstream_unavailable');
    expect(f.calls()).toBe(3);
    expect(h.failures.at(-1)).toEqual(['InternalError', 3, false]);
  });

  it.each([1, 2, 5])('makes at most %i attempts', async (maxAttempts) => {
    const h = harness({ maxAttempts });
    const f = failing(Array.from({ length: 10 }, internal));
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toBeInstanceOf(BrokerError);
    expect(f.calls()).toBe(maxAttempts);
  });

  it('does not retry a rejection', async () => {
    const h = harness();
    const f = failing([noPermission()]);
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toMatchObject({ code: 'upstream_rejected' });
    expect(f.calls()).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('does not retry an unknown error', async () => {
    const h = harness();
    const f = failing([new TypeError('bug')]);
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(f.calls()).toBe(1);
  });

  it('backs off exponentially with full jitter', async () => {
    const h = harness({ maxAttempts: 4 });
    const f = failing([internal(), internal(), internal(), internal()]);
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toBeInstanceOf(BrokerError);
    // random() = 0.5 of caps 100, 200, 400
    expect(h.sleeps).toEqual([50, 100, 200]);
  });

  it('backoffDelay is within [0, min(max, base*2^(n-1)))', () => {
    expect(backoffDelay(1, 100, 2000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 2000, () => 0.999)).toBe(399);
    expect(backoffDelay(10, 100, 2000, () => 0.999)).toBe(1998);
  });

  it("does not retry throttling, with or without a hint: the wait is the caller's Retry-After", async () => {
    const h = harness();
    const f = failing([new BrokerError('upstream_throttled', 'x', { retryAfterSeconds: 2 })]);
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toMatchObject({ code: 'upstream_throttled', retryAfterSeconds: 2 });
    expect(f.calls()).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('starts no retry that would pass the deadline', async () => {
    const h = harness({ deadlineMs: 1000 });
    const slowFailure = async () => {
      h.clock.advance(980);
      throw internal();
    };
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          return slowFailure();
        },
        mapStsError,
        h.options,
      ),
    ).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(calls).toBe(1);
    expect(h.failures).toEqual([['InternalError', 1, false]]);
  });

  it('stops when beforeRetry says no (budget empty)', async () => {
    const h = harness({ beforeRetry: () => false });
    const f = failing([internal(), internal()]);
    await expect(withRetry(f.fn, mapStsError, h.options)).rejects.toBeInstanceOf(BrokerError);
    expect(f.calls()).toBe(1);
  });

  it('stops when admitRetry throws after the backoff: its error leaves as it is, unclassified, and no attempt is made', async () => {
    const h = harness();
    const refusal = new BrokerError('upstream_unavailable', 'breaker open', { retryAfterSeconds: 2 });
    const asked: number[] = [];
    const f = failing([internal(), internal(), internal()]);
    const err = await withRetry(f.fn, mapStsError, {
      ...h.options,
      admitRetry: (n) => {
        asked.push(n);
        if (n === 3) throw refusal;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(f.calls()).toBe(2);
    expect(asked).toEqual([2, 3]);
    expect(h.sleeps).toEqual([50, 100]); // asked after each backoff, right before the attempt
  });
});
