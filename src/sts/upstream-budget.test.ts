import { describe, expect, it } from 'vitest';
import { UpstreamBudget } from './index.js';
import { ManualClock } from '../../dev/testing/clock.js';

function setup(maxCallsPerSecond: number, maxWaitMs?: number) {
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const budget = new UpstreamBudget({
    maxCallsPerSecond,
    clock,
    ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { clock, sleeps, budget };
}

describe('UpstreamBudget', () => {
  it('allows a burst of one second worth, then refuses with upstream_throttled + Retry-After 1', async () => {
    const { budget, sleeps } = setup(3, 250);
    await budget.take();
    await budget.take();
    await budget.take();
    const err = await budget.take().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_throttled', status: 503, retryAfterSeconds: 1 });
    expect(sleeps).toEqual([]);
  });

  it('refills at the configured rate', async () => {
    const { budget, clock } = setup(10);
    for (let i = 0; i < 10; i += 1) await budget.take();
    expect(budget.tryTake()).toBe(false);
    clock.advance(100);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
    clock.advance(10_000);
    expect(budget.available()).toBe(10); // never above capacity
  });

  it('waits for the next token when it comes within maxWaitMs, reserving it', async () => {
    const { budget, sleeps } = setup(10, 250);
    for (let i = 0; i < 10; i += 1) await budget.take();
    await budget.take(); // next token in 100 ms
    await budget.take(); // the one after, 200 ms
    await expect(budget.take()).rejects.toMatchObject({ code: 'upstream_throttled' }); // 300 ms > 250
    expect(sleeps).toEqual([100, 200]);
  });

  it('a budget under one per second still allows a single call', async () => {
    const { budget, clock } = setup(0.5);
    await budget.take();
    await expect(budget.take()).rejects.toMatchObject({ code: 'upstream_throttled' });
    clock.advance(2000);
    await expect(budget.take()).resolves.toBeUndefined();
  });
});
