/**
 * One STS budget for the account, seen through three broker replicas that share one Redis: a burst of cache misses
 * over all three makes no more AssumeRole calls than `sts.accountCallsPerSecond`; the rest get 503
 * `upstream_throttled` with Retry-After, except a caller whose cached token is under the reuse floor but above the
 * hard floor, who gets that token, marked stale. The replicas share an injected, frozen clock, so the burst falls in
 * one budget window however slow the machine is.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { ManualClock } from '../store/helpers.js';

const BUDGET = 5;
const clock = new ManualClock(Date.now());
const patch: TestBrokerOptions['configPatch'] = (c) => {
  c.sts.accountCallsPerSecond = BUDGET;
  c.sts.maxAttempts = 1;
  c.cache.refreshAhead = { enabled: false };
  c.rateLimits = { perPrincipal: { limit: 1000, windowSeconds: 60 }, perIp: { limit: 10000, windowSeconds: 60 } };
};
const replicas: TestBroker[] = [];
let n = 0;

beforeAll(async () => {
  replicas.push(await startTestBroker({ clock, configPatch: patch }));
  for (let i = 0; i < 2; i += 1) replicas.push(await startTestBroker({ clock, shared: replicas[0]!.shared, configPatch: patch }));
});
afterAll(async () => {
  for (const r of replicas.slice(1)) await r.close();
  await replicas[0]?.close();
});

async function newUser() {
  n += 1;
  return { authorization: `Bearer ${await replicas[0]!.token(`budget${n}`, 'acme')}` };
}
const ask = (i: number, auth: Record<string, string>) =>
  request(replicas[i % 3]!.app)
    .post('/v1/credentials')
    .set(auth)
    .send({ profile: 'uploads' });
const emulator = () => replicas[0]!.emulator.stats;

describe('account-wide STS budget over three replicas', () => {
  it('a burst of misses makes at most accountCallsPerSecond AssumeRole calls; the rest get 503 with Retry-After', async () => {
    clock.time = Date.now();
    const users = await Promise.all(Array.from({ length: 30 }, () => newUser()));
    const before = emulator().assumeRoleCalls;
    const responses = await Promise.all(users.map((auth, i) => ask(i, auth)));
    expect(emulator().assumeRoleCalls - before).toBe(BUDGET);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(BUDGET);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(30 - BUDGET);
    for (const r of refused) {
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 503, code: 'upstream_throttled' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('with the budget used up, a token under the floor but above the hard floor is served stale', async () => {
    clock.time = Date.now() + 2000; // a budget window the burst above did not use
    const auth = await newUser();
    const first = await ask(0, auth);
    expect(first.status).toBe(200);
    // 200 s of life left: under the 300 s reuse floor, above the 60 s hard floor. A new budget window starts here.
    clock.time = Date.parse(first.body.credentials.expiration) - 200_000;
    const others = await Promise.all(Array.from({ length: BUDGET }, () => newUser()));
    await Promise.all(others.map((a, i) => ask(i, a))); // spend this window's budget
    const res = await ask(1, auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stale: true, credentials: first.body.credentials });
    expect(replicas[1]!.audit.at(-1)).toMatchObject({ event: 'credentials.served_stale', code: 'upstream_throttled' });
  });
});
