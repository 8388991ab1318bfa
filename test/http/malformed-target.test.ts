/**
 * A request target whose percent-escapes do not decode (a truncated or non-UTF-8 escape) is the caller's mistake:
 * 400 `invalid_request` in problem+json, logged as a refusal, never as an error of ours. Express's router refuses a
 * path parameter it cannot decode with a URIError; the query is checked by the routes that read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

let broker: TestBroker;
let bearer: Record<string, string>;
beforeAll(async () => {
  broker = await startTestBroker();
  bearer = { authorization: `Bearer ${await broker.token('escaper', 'acme')}` };
});
afterAll(async () => broker.close());

interface LogLine {
  level: number;
  requestId?: string;
  req?: { id: string };
}

/** Every log line of one request, by its id (the refusal line and the access log line). */
function linesOf(requestId: string): LogLine[] {
  return broker
    .logText()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.requestId === requestId || line.req?.id === requestId);
}

describe('malformed percent-encoding in the request target', () => {
  it.each<[string, 'get' | 'post', string, boolean]>([
    ['a path parameter, unauthenticated', 'get', '/v1/credentials/%E0%A4%A', false],
    ['a path parameter, on a POST', 'post', '/v1/credentials/%E0%A4%A', false],
    ['a path parameter in the flat format', 'get', '/v1/credentials/%E0%A4%A?format=alibaba', false],
    ['the usage query', 'get', '/v1/usage?profile=%E0', true],
    ['a truncated escape in the usage query', 'get', '/v1/usage?profile=uploads%A', true],
    ['the credentials query', 'get', '/v1/credentials/uploads?format=%E0', true],
  ])('%s (%s %s): 400 invalid_request, nothing logged at error level', async (_name, method, path, authenticated) => {
    const req = method === 'post' ? request(broker.app).post(path).send({ profile: 'uploads' }) : request(broker.app).get(path);
    const res = await req.set(authenticated ? bearer : {});
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'invalid_request', detail: 'the request target is not valid percent-encoding' });
    const lines = linesOf(res.headers['x-request-id']!);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('answers the documented problem shape', async () => {
    const res = await request(broker.app).get('/v1/usage?profile=%E0').set(bearer);
    expect(res.status).toBe(400);
    expectMatchesSpec('GET', '/v1/usage', res);
  });
});
