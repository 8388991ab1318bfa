/**
 * Refresh-ahead through the whole app, deterministic: one controlled clock (`Date` faked, so the broker, the STS
 * emulator and the SDK's signing agree) and the refresh timer faked too, so a refresh round runs exactly when the test
 * says. STS answers after 500 ms. A hot user asking every 4 minutes (the README's client interval) over four token
 * lifetimes never waits on STS after the first request: every STS call happens in a background round, none while a
 * request is being answered, and every answer keeps the lifetime promise.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

const T0 = Math.floor(Date.now() / 1000) * 1000;
const FLOOR_MS = 300_000;
let broker: TestBroker;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(T0);
  broker = await startTestBroker({
    stsLatencyMs: 500,
    configPatch: (c) => {
      c.cache.minRemainingSeconds = FLOOR_MS / 1000;
      c.cache.refreshAhead = { enabled: true, leadSeconds: 60 };
    },
  });
});
afterAll(async () => {
  await broker.close();
  vi.useRealTimers();
});

describe('refresh-ahead', () => {
  it('a hot user never waits on STS across four token lifetimes', async () => {
    const ask = async () => {
      const auth = { authorization: `Bearer ${await broker.token('hot', 'acme')}` };
      const before = broker.emulator.stats.assumeRoleCalls;
      const res = await request(broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
      expect(res.status).toBe(200);
      expect(Date.parse(res.body.credentials.expiration) - Date.parse(res.body.serverTime)).toBeGreaterThan(FLOOR_MS);
      return { body: res.body, stsCallsDuringRequest: broker.emulator.stats.assumeRoleCalls - before };
    };
    const first = await ask();
    expect(first.stsCallsDuringRequest).toBe(1); // the very first request is a miss, as always

    const start = broker.emulator.stats.assumeRoleCalls;
    const seen = new Set<string>([first.body.credentials.accessKeyId]);
    for (let s = 30; s <= 3600; s += 30) {
      vi.setSystemTime(T0 + s * 1000);
      await broker.tokenCache.refreshDue(); // the round the one-second timer would run
      if (s % 240 === 0) {
        const { body, stsCallsDuringRequest } = await ask();
        expect({ at: s, stsCallsDuringRequest, cached: body.cached }).toEqual({ at: s, stsCallsDuringRequest: 0, cached: true });
        seen.add(body.credentials.accessKeyId);
      }
    }
    const background = broker.emulator.stats.assumeRoleCalls - start;
    expect(background).toBeGreaterThanOrEqual(5); // one per lifetime (900 s - 300 s floor - 60 s lead = every 540 s)
    expect(background).toBeLessThanOrEqual(7);
    expect(seen.size).toBeGreaterThanOrEqual(5);
    expect((await broker.metrics.tokenRefreshAhead.get()).values.find((v) => v.labels.result === 'refreshed')?.value).toBe(background);
  });

  it('a user who stopped asking is not refreshed', async () => {
    vi.setSystemTime(T0 + 10_000_000);
    const auth = { authorization: `Bearer ${await broker.token('cold', 'acme')}` };
    await request(broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    const start = broker.emulator.stats.assumeRoleCalls;
    for (let s = 60; s <= 3600; s += 60) {
      vi.setSystemTime(T0 + 10_000_000 + s * 1000);
      await broker.tokenCache.refreshDue();
    }
    // Still hot when its first token came due (540 s after its only request, inside the 600 s hot window): one refresh.
    expect(broker.emulator.stats.assumeRoleCalls - start).toBe(1);
  });
});
