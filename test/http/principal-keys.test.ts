/**
 * A principal becomes a key in the shared store (rate limits, quotas): two principals whose claims only differ in
 * where a `:` sits must never share a counter. With keys joined by `:`, tenant `a:b` + subject `c` and tenant `a`
 * + subject `b:c` were one rate-limit key, so one user's requests spent another's limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      c.rateLimits = { perPrincipal: { limit: 1, windowSeconds: 3600 }, perIp: { limit: 1000, windowSeconds: 60 } };
    },
  });
});
afterAll(async () => broker.close());

const dryRun = async (sub: string, tenant: string) =>
  request(broker.app)
    .post('/v1/credentials')
    .set('authorization', `Bearer ${await broker.token(sub, tenant)}`)
    .send({ profile: 'uploads', dryRun: true });

describe('principal keys', () => {
  it('principals that differ only in where ":" sits have their own rate limits', async () => {
    // Each is counted by the per-principal limiter (then refused by the rules: ":" cannot go into a prefix).
    const first = await dryRun('c', 'a:b');
    expect(first.body.code).toBe('invalid_name');
    const other = await dryRun('b:c', 'a');
    expect(other.body.code).toBe('invalid_name');
    // The limit itself still holds for each of them.
    expect((await dryRun('c', 'a:b')).body).toMatchObject({ code: 'rate_limited', limit: 'principal' });
  });
});
