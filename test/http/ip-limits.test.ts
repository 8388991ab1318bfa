/**
 * The per-IP limit refuses on every user route whatever authentication says: wrong bearer tokens, wrong API keys
 * and wrong credentials URLs from one address are answered 401 up to the limit and 429 `rate_limited` (`limit: ip`,
 * with Retry-After) from the next request on, in problem+json and in the flat Alibaba shape alike. The count comes
 * before anything else that can refuse (the query check, the body), and no answer is ever written to twice.
 *
 * Each case comes from its own address (X-Forwarded-For through a trusted loopback proxy), so cases do not share a
 * window; the window is long, so it cannot roll over during a test.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request, { type Response } from 'supertest';
import { generateCredentialUrl } from '../../src/auth/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rawClient } from '../store/helpers.js';

const LIMIT = 20;
const MEDIA = 'application/vnd.alibaba.sts+json';
const url = generateCredentialUrl('cu_iplimit_read');
let nextAddress = 1;
/** A fresh documentation address (RFC 5737) per case: its own per-IP window. */
const address = () => `198.51.100.${nextAddress++}`;

function brokerWith(limit: number): Promise<TestBroker> {
  return startTestBroker({
    configPatch: (c) => {
      c.server = { trustProxy: 'loopback' };
      c.rateLimits = { perIp: { limit, windowSeconds: 3600 }, perPrincipal: { limit: 100_000, windowSeconds: 3600 } };
      const partner = c.clients.find((client: { id: string }) => client.id === 'partner');
      partner.credentialUrls = [{ id: url.id, sha256: url.sha256, profile: 'partner-read' }];
    },
  });
}

/** Errors a caller must never cause: a 5xx, an answer written twice, anything at error level. */
function expectCleanLog(broker: TestBroker): void {
  const log = broker.logText();
  expect(log).not.toMatch(/ERR_HTTP_HEADERS_SENT|headers already sent|after they are sent/i);
  const errors = log.split('\n').filter((line) => line !== '' && (JSON.parse(line) as { level: number }).level >= 50);
  expect(errors).toEqual([]);
}

/** The refusal as the caller reads it: HTTP status and code, from problem+json or from the flat shape. */
function outcome(res: Response): { status: number; code: string; limit?: string } {
  if (res.headers['content-type']?.startsWith(MEDIA)) {
    expect(res.status).toBe(200); // the flat shape always answers 200 (alibaba-sts-format.ts)
    return { status: Number(res.body.StatusCode), code: res.body.ErrorCode };
  }
  return { status: res.status, code: res.body.code, ...(res.body.limit === undefined ? {} : { limit: res.body.limit }) };
}

type Send = (app: Server | TestBroker['app'], ip: string) => request.Test;
type Route = { name: string; flat: boolean; send: (headers: Record<string, string>, query?: string) => Send };

const ROUTES: Route[] = [
  {
    name: 'POST /v1/credentials',
    flat: false,
    send: (h) => (app, ip) => request(app).post('/v1/credentials').set(h).set('x-forwarded-for', ip).send({ profile: 'uploads' }),
  },
  {
    name: 'POST /v1/post-policy',
    flat: false,
    send: (h) => (app, ip) =>
      request(app)
        .post('/v1/post-policy')
        .set(h)
        .set('x-forwarded-for', ip)
        .send({ profile: 'uploads', files: [{ name: 'a.png', size: 1 }] }),
  },
  {
    name: 'GET /v1/usage',
    flat: false,
    send: (h) => (app, ip) => request(app).get('/v1/usage?profile=uploads').set(h).set('x-forwarded-for', ip),
  },
  {
    name: 'GET /v1/credentials/{profile}',
    flat: false,
    send:
      (h, query = '') =>
      (app, ip) =>
        request(app)
          .get(`/v1/credentials/partner-read${query === '' ? '' : `?${query}`}`)
          .set(h)
          .set('x-forwarded-for', ip),
  },
  {
    name: 'GET /v1/credentials/{profile}?format=alibaba',
    flat: true,
    send:
      (h, query = '') =>
      (app, ip) =>
        request(app)
          .get(`/v1/credentials/partner-read?format=alibaba${query === '' ? '' : `&${query}`}`)
          .set(h)
          .set('x-forwarded-for', ip),
  },
  {
    name: 'GET /v1/credentials/{profile} with Accept: alibaba',
    flat: true,
    send:
      (h, query = '') =>
      (app, ip) =>
        request(app)
          .get(`/v1/credentials/partner-read${query === '' ? '' : `?${query}`}`)
          .set(h)
          .set('accept', MEDIA)
          .set('x-forwarded-for', ip),
  },
];

const wrongSecret = () => randomBytes(32).toString('base64url');

describe(`per-IP limit of ${LIMIT} against wrong credentials`, () => {
  let broker: TestBroker;
  /** A real token whose signature is replaced: verification fails on every request. */
  let forgedJwt: string;
  beforeAll(async () => {
    broker = await brokerWith(LIMIT);
    const [header, payload] = (await broker.token('ip-guesser', 'acme')).split('.');
    forgedJwt = `${header}.${payload}.${randomBytes(256).toString('base64url')}`;
  });
  afterAll(async () => broker.close());

  const kinds: Array<[string, () => Record<string, string>, () => string | undefined]> = [
    ['a bearer JWT', () => ({ authorization: `Bearer ${forgedJwt}` }), () => undefined],
    ['an X-Api-Key', () => ({ 'x-api-key': `${broker.partnerKey.split('.')[0]}.${wrongSecret()}` }), () => undefined],
    ['a credentials URL', () => ({}), () => `credential=${url.id}.${wrongSecret()}`],
  ];
  const cases = ROUTES.flatMap((route) =>
    kinds
      .filter(([kind]) => kind !== 'a credentials URL' || route.name.startsWith('GET /v1/credentials/'))
      .map(([kind, headers, query]) => ({ route, kind, headers, query })),
  );

  it.each(cases.map((c) => [c.route.name, c.kind, c] as const))(
    '%s, %s: 401 up to the limit, then 429 rate_limited',
    async (_route, _kind, { route, headers, query }) => {
      const ip = address();
      const seen: Array<{ status: number; code: string }> = [];
      let last: Response | undefined;
      for (let i = 0; i < LIMIT + 5; i++) {
        last = await route.send(headers(), query())(broker.app, ip);
        const { status, code } = outcome(last);
        seen.push({ status, code });
      }
      expect(seen.slice(0, LIMIT)).toEqual(Array.from({ length: LIMIT }, () => ({ status: 401, code: 'unauthenticated' })));
      expect(seen.slice(LIMIT)).toEqual(Array.from({ length: 5 }, () => ({ status: 429, code: 'rate_limited' })));
      if (!route.flat) expect(last!.body.limit).toBe('ip');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(last!.headers['cache-control']).toBe('no-store');
      expectCleanLog(broker);
    },
  );

  it('once an address is refused, this replica refuses it without counting again (the store sees limit + 1)', async () => {
    const ip = address();
    const send = ROUTES[3]!.send({}, `credential=${url.id}.${wrongSecret()}`);
    for (let i = 0; i < LIMIT + 10; i++) await send(broker.app, ip);
    const raw = rawClient();
    try {
      expect(await raw.get(`${broker.shared.keyPrefix}rl:ip:${ip}`)).toBe(String(LIMIT + 1));
    } finally {
      raw.disconnect();
    }
  });

  it.each([
    ['GET /v1/credentials/{profile} with an unknown query parameter', 3, 'bogus=1', 400, 'invalid_request'],
    ['GET /v1/credentials/{profile}?format=alibaba with an unknown query parameter', 4, 'bogus=1', 400, 'invalid_request'],
  ] as const)('%s: counted before the query check', async (_name, index, query, status, code) => {
    const ip = address();
    const auth = { authorization: `Bearer ${await broker.token(`q-${index}`, 'acme')}` };
    const seen: Array<{ status: number; code: string }> = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const { status: s, code: c } = outcome(await ROUTES[index]!.send(auth, query)(broker.app, ip));
      seen.push({ status: s, code: c });
    }
    expect(seen.slice(0, LIMIT)).toEqual(Array.from({ length: LIMIT }, () => ({ status, code })));
    expect(seen.slice(LIMIT)).toEqual(Array.from({ length: 2 }, () => ({ status: 429, code: 'rate_limited' })));
    expectCleanLog(broker);
  });

  it.each([
    ['POST /v1/credentials', '/v1/credentials'],
    ['POST /v1/post-policy', '/v1/post-policy'],
  ])('%s with a malformed body: counted before the body is parsed', async (_name, path) => {
    const ip = address();
    const auth = { authorization: `Bearer ${await broker.token(`body-${path}`, 'acme')}` };
    const seen: Array<{ status: number; code: string }> = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await request(broker.app).post(path).set(auth).set('x-forwarded-for', ip).type('json').send('{"profile":');
      seen.push({ status: res.status, code: res.body.code });
    }
    expect(seen.slice(0, LIMIT)).toEqual(Array.from({ length: LIMIT }, () => ({ status: 400, code: 'invalid_request' })));
    expect(seen.slice(LIMIT)).toEqual(Array.from({ length: 2 }, () => ({ status: 429, code: 'rate_limited' })));
    expectCleanLog(broker);
  });
});

describe('1,050 wrong credentials-URL guesses from one address', () => {
  const GUESS_LIMIT = 1000;
  let broker: TestBroker;
  let server: Server;
  beforeAll(async () => {
    broker = await brokerWith(GUESS_LIMIT);
    server = broker.app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await broker.close();
  });

  it(`are 401 for the first ${GUESS_LIMIT} and 429 rate_limited from guess ${GUESS_LIMIT + 1} on`, async () => {
    const ip = address();
    const statuses: string[] = [];
    for (let i = 0; i < GUESS_LIMIT + 50; i++) {
      const res = await request(server)
        .get(`/v1/credentials/partner-read?format=alibaba&credential=${url.id}.${wrongSecret()}`)
        .set('x-forwarded-for', ip);
      statuses.push(`${res.body.StatusCode} ${res.body.ErrorCode}`);
    }
    const firstRefusal = statuses.indexOf('429 rate_limited');
    expect(firstRefusal).toBe(GUESS_LIMIT);
    expect(statuses.slice(0, GUESS_LIMIT).every((s) => s === '401 unauthenticated')).toBe(true);
    expect(statuses.slice(GUESS_LIMIT).every((s) => s === '429 rate_limited')).toBe(true);
    expectCleanLog(broker);
    // 1,050 sequential requests: seconds alone, far longer when the suite shares a loaded machine.
  }, 90_000);
});
