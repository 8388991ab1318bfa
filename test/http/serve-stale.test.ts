/**
 * Serve-stale through the whole app, with STS faults from the emulator's fault queue and an injected broker clock:
 * while STS cannot issue (unavailable, throttling, breaker open), a cached token under the reuse floor but above the
 * hard floor is served with `stale: true`, counted and audited as stale; below the hard floor the caller gets the
 * 503 as before; a refusal by STS (`upstream_rejected`) is never papered over.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { ManualClock } from '../store/helpers.js';

const clock = new ManualClock(Date.now());
let broker: TestBroker;
let n = 0;

beforeAll(async () => {
  broker = await startTestBroker({
    clock,
    configPatch: (c) => {
      c.sts.maxAttempts = 1;
      c.sts.breaker = { failureThreshold: 2, openSeconds: 30 };
      c.cache.minRemainingSeconds = 300;
      c.cache.staleFloorSeconds = 60;
      c.cache.refreshAhead = { enabled: false };
    },
  });
});
afterAll(async () => broker.close());
beforeEach(() => {
  broker.emulator.faults.clear();
  // The emulator issues tokens on real time; the broker's clock starts there and is moved by the tests.
  clock.time = Date.now();
});

/** A fresh user with a token issued now, then `leftSeconds` of that token's life remaining on the broker's clock. */
async function userWithTokenLeft(leftSeconds: number) {
  n += 1;
  const auth = { authorization: `Bearer ${await broker.token(`stale${n}`, 'acme')}` };
  const first = await request(broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
  expect(first.status).toBe(200);
  const expiresAt = Date.parse(first.body.credentials.expiration);
  clock.time = expiresAt - leftSeconds * 1000;
  return { auth, first: first.body };
}

const ask = (auth: Record<string, string>) => request(broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
const staleCount = async (reason: string) =>
  (await broker.metrics.staleServed.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('serve-stale', () => {
  it('STS unavailable: the cached token, marked stale, counted and audited, with a refreshAfter a moment away', async () => {
    const { auth, first } = await userWithTokenLeft(200);
    broker.emulator.faults.push({ kind: 'error', status: 500, code: 'InternalError', message: 'down' });
    const countBefore = await staleCount('upstream_unavailable');
    const res = await ask(auth);
    expect(res.status).toBe(200);
    expectMatchesSpec('POST', '/v1/credentials', res);
    expect(res.body).toMatchObject({ stale: true, cached: true });
    expect(res.body.credentials).toEqual(first.credentials);
    const refreshAfter = Date.parse(res.body.refreshAfter);
    expect(refreshAfter).toBeGreaterThan(Date.parse(res.body.serverTime));
    expect(refreshAfter).toBeLessThanOrEqual(Date.parse(res.body.serverTime) + 10_000);
    expect(await staleCount('upstream_unavailable')).toBe(countBefore + 1);
    expect(broker.audit.at(-1)).toMatchObject({
      event: 'credentials.served_stale',
      outcome: 'stale',
      stale: true,
      code: 'upstream_unavailable',
      accessKeyId: first.credentials.accessKeyId,
    });
  });

  it('STS throttling: stale too', async () => {
    const { auth } = await userWithTokenLeft(100);
    broker.emulator.faults.push({ kind: 'throttle', retryAfterMs: 3000 });
    const res = await ask(auth);
    expect(res.body).toMatchObject({ stale: true });
    expect(broker.audit.at(-1)).toMatchObject({ code: 'upstream_throttled', stale: true });
  });

  it('breaker open: stale, without calling STS', async () => {
    const users = [await userWithTokenLeft(200)];
    clock.time = Date.now();
    users.push(await userWithTokenLeft(200));
    clock.time = Date.now();
    users.push(await userWithTokenLeft(200));
    broker.emulator.faults.push(
      { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'busy' },
      { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'busy' },
    );
    expect((await ask(users[0]!.auth)).body.stale).toBe(true);
    expect((await ask(users[1]!.auth)).body.stale).toBe(true); // second consecutive outage: the breaker opens
    const calls = broker.emulator.stats.assumeRoleCalls;
    const res = await ask(users[2]!.auth);
    expect(res.body).toMatchObject({ stale: true });
    expect(broker.emulator.stats.assumeRoleCalls).toBe(calls);
    clock.advance(30_000); // half-open; the trial closes it again for the next tests
    expect((await ask(users[2]!.auth)).body).toMatchObject({ stale: false, cached: false });
  });

  it('below the hard floor: the 503, as without serve-stale', async () => {
    const { auth } = await userWithTokenLeft(59);
    broker.emulator.faults.push({ kind: 'error', status: 500, code: 'InternalError', message: 'down' });
    const res = await ask(auth);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'upstream_unavailable' });
    expect(res.headers['retry-after']).toBeDefined();
    expect(broker.audit.at(-1)).toMatchObject({ event: 'credentials.refused', code: 'upstream_unavailable' });
  });

  it('STS refusing (upstream_rejected) is never answered with a stale token', async () => {
    const { auth } = await userWithTokenLeft(200);
    broker.emulator.faults.push({ kind: 'error', status: 403, code: 'NoPermission', message: 'trust policy changed' });
    const res = await ask(auth);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 502, code: 'upstream_rejected' });
  });

  it('while STS works, a token under the floor is replaced, never served', async () => {
    const { auth, first } = await userWithTokenLeft(200);
    const res = await ask(auth);
    expect(res.body).toMatchObject({ stale: false, cached: false });
    expect(res.body.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
  });
});
