/**
 * What reaches the log: the access log names paths without their query string (clients put tokens and keys into
 * query strings).
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
