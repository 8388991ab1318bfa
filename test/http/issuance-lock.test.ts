/**
 * Two replicas, one key, STS slower than the lock wait (`cache.lockTimeoutMs`): the cross-replica issuance lock lives
 * as long as the slowest issuance the STS client allows (derived from `sts.timeoutMs`), not as long as the wait, so
 * the second replica never calls STS for a key the first is still issuing. It answers 503 (or, if the first has
 * finished by then, the cached token): one key, one token.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { issuanceLockTtlMs } from '../../src/cache/index.js';
import { startTestBroker, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { rawClient } from '../store/helpers.js';

const LOCK_WAIT_MS = 300;
const STS_LATENCY_MS = 2500;
const patch: TestBrokerOptions['configPatch'] = (c) => {
  c.cache.lockTimeoutMs = LOCK_WAIT_MS;
};

let a: TestBroker;
let b: TestBroker;
const raw = rawClient();
beforeAll(async () => {
  a = await startTestBroker({ stsLatencyMs: STS_LATENCY_MS, configPatch: patch });
  b = await startTestBroker({ shared: a.shared, configPatch: patch });
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
    await sleep(LOCK_WAIT_MS + 300); // a lock living only as long as the wait would be gone by now

    const [lock] = await raw.keys(`${a.shared.keyPrefix}lock:*`);
    expect(lock).toBeDefined();
    expect(await raw.pttl(lock!)).toBeGreaterThan(issuanceLockTtlMs(a.config) - 5000);

    const second = await request(b.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    const issued = await first;
    expect(issued.status).toBe(200);
    expect(issued.body.cached).toBe(false);
    if (second.status === 200) {
      // Only on a machine so slow that the first issuance finished meanwhile.
      expect(second.body.credentials.accessKeyId).toBe(issued.body.credentials.accessKeyId);
    } else {
      expect({ status: second.status, code: second.body.code }).toEqual({ status: 503, code: 'upstream_unavailable' });
      expect(second.headers['retry-after']).toBe('1');
    }
    expect(a.emulator.stats.assumeRoleCalls - before).toBe(1);

    const third = await request(b.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    expect(third.body.cached).toBe(true);
    expect(third.body.credentials.accessKeyId).toBe(issued.body.credentials.accessKeyId);
  });
});
