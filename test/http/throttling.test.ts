/**
 * STS throttling through the whole app and the official SDK: each request is answered 503 upstream_throttled with
 * Retry-After, and STS is called once per request. Retrying a throttled call at once (no hint, full jitter from 0)
 * once made 56 AssumeRole calls for 20 requests, deepening the account-wide throttling it met.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker({
    store: 'memory',
    configPatch: (c) => {
      c.sts.maxAttempts = 3;
      c.sts.breaker = { failureThreshold: 1000, openSeconds: 1 };
    },
  });
});
afterAll(async () => broker.close());

const REQUESTS = 20;

describe('STS throttling', () => {
  it.each([
    ['without a retry hint', { kind: 'throttle' as const }, '1'],
    ['with x-acs-retry-after', { kind: 'throttle' as const, retryAfterMs: 3000 }, '3'],
  ])('%s: one AssumeRole per request, each answered 503 upstream_throttled with Retry-After', async (name, fault, retryAfter) => {
    broker.emulator.faults.clear();
    broker.emulator.faults.push(...Array.from({ length: 4 * REQUESTS }, () => fault));
    const before = broker.emulator.stats.assumeRoleCalls;
    // Distinct principals: twenty cache misses, so the token cache's single flight does not merge them.
    const tokens = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => broker.token(`${name.length}-u${i}`, 'acme')));
    const responses = await Promise.all(
      tokens.map((t) => request(broker.app).post('/v1/credentials').set('authorization', `Bearer ${t}`).send({ profile: 'uploads' })),
    );
    for (const res of responses) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'upstream_throttled' });
      expect(res.headers['retry-after']).toBe(retryAfter);
    }
    expectMatchesSpec('POST', '/v1/credentials', responses[0]!);
    expect(broker.emulator.stats.assumeRoleCalls - before).toBe(REQUESTS);
    broker.emulator.faults.clear();
  });
});
