/**
 * Two replicas, one key, a slow STS: the cross-replica issuance lock lives as long as the slowest issuance the STS
 * client allows (derived from `sts.timeoutMs`), so the second replica never calls STS for a key the first is still
 * issuing; its request waits as long and answers with the first replica's token: one key, one token, no 503.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { issuanceLockTtlMs } from '../../src/cache/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rawClient } from '../store/helpers.js';

const STS_LATENCY_MS = 2500;

let a: TestBroker;
let b: TestBroker;
const raw = rawClient();
beforeAll(async () => {
  a = await startTestBroker({ stsLatencyMs: STS_LATENCY_MS });
  b = await startTestBroker({ shared: a.shared });
});
afterAll(async () => {
  raw.disconnect();
  await b.close();
  await a.close();
});

describe('cross-replica issuance lock', () => {
  it('outlives a slow AssumeRole: the second replica never issues a second token for the key', async () => {
    const auth = { authorization: `Bearer ${await a.token('ivan', 'acme')}` };
    const before = a.emulator.stats.assumeRoleCalls;
    const first = request(a.app)
      .post('/v1/credentials')
      .set(auth)
      .send({ profile: 'uploads' })
      .then((r) => r);
    await vi.waitFor(() => expect(a.emulator.stats.assumeRoleCalls).toBe(before + 1));

    const [lock] = await raw.keys(`${a.shared.keyPrefix}lock:*`);
    expect(lock).toBeDefined();
    expect(await raw.pttl(lock!)).toBeGreaterThan(issuanceLockTtlMs(a.config) - 5000);

    const second = await request(b.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    const issued = await first;
    expect(issued.status).toBe(200);
    expect(issued.body.cached).toBe(false);
    expect({ status: second.status, cached: second.body.cached }).toEqual({ status: 200, cached: true });
    expect(second.body.credentials.accessKeyId).toBe(issued.body.credentials.accessKeyId);
    expect(a.emulator.stats.assumeRoleCalls - before).toBe(1);

    const third = await request(b.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    expect(third.body.cached).toBe(true);
    expect(third.body.credentials.accessKeyId).toBe(issued.body.credentials.accessKeyId);
  });
});
