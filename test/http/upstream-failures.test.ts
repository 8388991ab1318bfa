/**
 * STS misbehaving, seen through the whole app and the official SDK: every failure class becomes a specific
 * problem (never a 500), nothing is cached from a failure, and a quota unit taken for it is given back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import type { StsFault } from '../../dev/emulator/sts/index.js';

let broker: TestBroker;
let n = 0;
beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      c.sts.maxAttempts = 2;
      c.sts.timeoutMs = 800;
      c.sts.breaker = { failureThreshold: 1000, openSeconds: 1 };
      c.profiles.uploads.quota = { perPrincipal: [{ limit: 1, windowSeconds: 3600 }] };
    },
  });
});
afterAll(async () => broker.close());
beforeEach(() => broker.emulator.faults.clear());

/** A fresh principal per case, so each request is a cache miss with its own quota. */
async function attempt() {
  n += 1;
  const token = await broker.token(`user${n}`, 'acme');
  return request(broker.app).post('/v1/credentials').set('authorization', `Bearer ${token}`).send({ profile: 'uploads' });
}

const twice = (f: StsFault): StsFault[] => [f, f];

describe('STS failures', () => {
  it.each<[string, StsFault[], number, string]>([
    [
      'NoPermission',
      [{ kind: 'error', status: 403, code: 'NoPermission', message: 'You are not authorized to do this action.' }],
      502,
      'upstream_rejected',
    ],
    [
      'EntityNotExist.Role',
      [{ kind: 'error', status: 404, code: 'EntityNotExist.Role', message: 'The specified Role not exists.' }],
      502,
      'upstream_rejected',
    ],
    [
      'InvalidParameter.PolicyGrammar',
      [{ kind: 'error', status: 400, code: 'InvalidParameter.PolicyGrammar', message: 'grammar' }],
      502,
      'upstream_rejected',
    ],
    [
      'InternalError twice',
      twice({ kind: 'error', status: 500, code: 'InternalError', message: 'STS Server Internal Error happened.' }),
      503,
      'upstream_unavailable',
    ],
    ['throttling twice', twice({ kind: 'throttle', retryAfterMs: 2000 }), 503, 'upstream_throttled'],
    ['an HTML error page twice', twice({ kind: 'html', status: 502 }), 503, 'upstream_unavailable'],
    ['a connection reset twice', twice({ kind: 'reset' }), 503, 'upstream_unavailable'],
    ['a hang (timeout)', twice({ kind: 'hang' }), 503, 'upstream_unavailable'],
  ])('maps %s to the right problem', async (_name, faults, status, code) => {
    broker.emulator.faults.push(...faults);
    const res = await attempt();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expectMatchesSpec('POST', '/v1/credentials', res);
    if (status === 503) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The quota unit taken for the failed request was given back: the same principal succeeds now.
    broker.emulator.faults.clear();
    const again = await request(broker.app)
      .post('/v1/credentials')
      .set('authorization', `Bearer ${await broker.token(`user${n}`, 'acme')}`)
      .send({ profile: 'uploads' });
    expect(again.status).toBe(200);
    expect(again.body.cached).toBe(false);
  });

  it('recovers from one transient failure by retrying', async () => {
    broker.emulator.faults.push({ kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'busy' });
    const before = broker.emulator.stats.assumeRoleCalls;
    const res = await attempt();
    expect(res.status).toBe(200);
    expect(broker.emulator.stats.assumeRoleCalls - before).toBe(2);
  });

  it('answers a 5xx with its code, title and request id, never the internal reason', async () => {
    broker.emulator.faults.push({ kind: 'error', status: 403, code: 'NoPermission', message: 'role trust policy says no' });
    const res = await attempt();
    expect(res.status).toBe(502);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(res.body.detail).toBe(res.body.title);
    expect(res.text).not.toMatch(/NoPermission|trust policy/);
  });

  it('does not retry a request STS rejected', async () => {
    broker.emulator.faults.push({ kind: 'error', status: 403, code: 'NoPermission', message: 'no' });
    const before = broker.emulator.stats.assumeRoleCalls;
    expect((await attempt()).status).toBe(502);
    expect(broker.emulator.stats.assumeRoleCalls - before).toBe(1);
  });
});

describe('STS unreachable', () => {
  it('answers 503 upstream_unavailable when nothing listens at the STS endpoint', async () => {
    const isolated = await startTestBroker({
      store: 'memory',
      configPatch: (c) => {
        c.sts.maxAttempts = 1;
      },
    });
    await isolated.emulator.close();
    try {
      const token = await isolated.token('zed', 'acme');
      const res = await request(isolated.app).post('/v1/credentials').set('authorization', `Bearer ${token}`).send({ profile: 'uploads' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'upstream_unavailable' });
    } finally {
      await isolated.store.close();
    }
  });
});
