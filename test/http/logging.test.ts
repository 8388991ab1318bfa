/**
 * What reaches the log: the access log names paths without their query string (clients put tokens and keys into
 * query strings), and a store failure is logged with its operation, the time it took and its cause, never a key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

describe('access log', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ store: 'memory' });
  });
  afterAll(async () => broker.close());

  it('logs the path of each request, never its query string', async () => {
    const jwt = await broker.token('quinn', 'acme');
    const secret = broker.partnerKey.split('.')[1]!;
    expect((await request(broker.app).get(`/no-such-page?access_token=${jwt}`)).status).toBe(404);
    expect((await request(broker.app).get(`/openapi.yaml?api_key=${broker.partnerKey}`)).status).toBe(200);
    expect((await request(broker.app).get(`/v1/credentials?access_token=${jwt}`)).status).toBe(405);
    const log = broker.logText();
    expect(log).toContain('"url":"/no-such-page"');
    expect(log).toContain('"url":"/openapi.yaml"');
    for (const value of [jwt, secret, 'access_token', 'api_key']) expect(log.includes(value), `${value} in the log`).toBe(false);
  });
});

describe('store failure log', () => {
  let down: TestBroker;
  beforeAll(async () => {
    down = await startTestBroker({
      tolerateStoreDown: true,
      configPatch: (c) => {
        c.redis.url = 'redis://127.0.0.1:1';
        c.redis.connectTimeoutMs = 200;
      },
    });
  });
  afterAll(async () => down.close());

  it('names the operation, the time taken and the cause, and no key material', async () => {
    const res = await request(down.app)
      .post('/v1/credentials')
      .set('authorization', `Bearer ${await down.token('store-subject', 'store-tenant')}`)
      .send({ profile: 'uploads' });
    expect(res.body.code).toBe('store_unavailable');
    const line = down
      .logText()
      .split('\n')
      .filter((l) => l.includes('"code":"store_unavailable"'))
      .map((l) => JSON.parse(l) as { store?: Record<string, unknown> })[0];
    expect(line?.store).toEqual({
      operation: 'incrementWindow',
      elapsedMs: expect.any(Number),
      reason: expect.stringMatching(/^redis incrementWindow failed after \d+ ms: \w*Error: .+/),
    });
    const log = down.logText();
    for (const keyMaterial of [down.shared.keyPrefix, 'rl:', 'store-subject', 'store-tenant']) {
      expect(log.includes(keyMaterial), `${keyMaterial} in the log`).toBe(false);
    }
  });
});
