/**
 * GET /v1/credentials/{profile}: the broker's JSON, and the flat shape Alibaba's own clients read, with their errors,
 * through the whole app; and the opt-in credentials URL (a secret in the query): scoped to one profile, revocable,
 * never written to the log.
 *
 * The flat answers are read here the way the clients read them (the sources are cited in
 * src/http/alibaba-sts-format.ts): `StatusCode` as a number, then the four credential fields, or `ErrorCode` and
 * `ErrorMessage`; and every flat answer has HTTP 200, because the Android SDK reads no body from any other status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request, { type Response } from 'supertest';
import { generateCredentialUrl } from '../../src/auth/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const MEDIA = 'application/vnd.alibaba.sts+json';
const readOnly = generateCredentialUrl('cu_partner_read');
const revoked = generateCredentialUrl('cu_revoked');
let broker: TestBroker;
let n = 0;

beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      const partner = c.clients.find((client: { id: string }) => client.id === 'partner');
      partner.credentialUrls = [
        { id: readOnly.id, sha256: readOnly.sha256, profile: 'partner-read' },
        { id: revoked.id, sha256: revoked.sha256, profile: 'partner-read', revoked: true },
      ];
      c.sts.maxAttempts = 1;
    },
  });
});
afterAll(async () => broker.close());

async function user(): Promise<Record<string, string>> {
  n += 1;
  return { authorization: `Bearer ${await broker.token(`getter${n}`, 'acme')}` };
}

const get = (path: string, headers: Record<string, string> = {}) => request(broker.app).get(path).set(headers);

/** What OSSAuthCredentialsProvider (Android) does with the body: StatusCode, then the fields it needs. */
function readAsAndroid(res: Response): { token?: Record<string, string>; error?: string } {
  expect(res.status).toBe(200); // getInputStream() throws for >= 400: no body would be read at all
  const json = JSON.parse(res.text) as Record<string, unknown>;
  if (Number.parseInt(String(json.StatusCode), 10) === 200) {
    const token: Record<string, string> = {};
    for (const field of ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']) {
      expect(typeof json[field], field).toBe('string');
      token[field] = json[field] as string;
    }
    return { token };
  }
  for (const field of ['ErrorCode', 'ErrorMessage']) expect(typeof json[field], field).toBe('string');
  return { error: `ErrorCode: ${json.ErrorCode}| ErrorMessage: ${json.ErrorMessage}` };
}

describe('GET /v1/credentials/{profile}', () => {
  it('answers the broker JSON by default, from the same cache as POST', async () => {
    const auth = await user();
    const posted = await request(broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
    const res = await get('/v1/credentials/uploads', auth);
    expect(res.status).toBe(200);
    expectMatchesSpec('GET', '/v1/credentials/{profile}', res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.cached).toBe(true);
    expect(res.body.credentials).toEqual(posted.body.credentials);
    expect(broker.audit.at(-1)).toMatchObject({ event: 'credentials.cached', profile: 'uploads' });
  });

  it.each([
    ['?format=alibaba', {}],
    ['', { accept: MEDIA }],
    ['', { accept: `text/html, ${MEDIA};q=0.9` }],
  ])('answers the flat Alibaba shape when asked (%s %o)', async (query, headers) => {
    const auth = await user();
    const res = await get(`/v1/credentials/uploads${query}`, { ...auth, ...headers });
    expectMatchesSpec('GET', '/v1/credentials/{profile}', res);
    expect(res.headers['content-type']).toMatch(/^application\/vnd\.alibaba\.sts\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken', 'StatusCode']);
    expect(res.body.StatusCode).toBe('200');
    expect(res.body.Expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(readAsAndroid(res).token?.AccessKeyId).toMatch(/^STS\./);
    expect(broker.audit.at(-1)).toMatchObject({ event: 'credentials.issued', profile: 'uploads', accessKeyId: res.body.AccessKeyId });
  });

  it.each<[string, () => Promise<Record<string, string>>, string, string]>([
    ['no credential', async () => ({}), '401', 'unauthenticated'],
    ['an unknown profile', user, '404', 'unknown_profile'],
    ['a profile of another client', async () => ({ 'x-api-key': broker.partnerKey }), '403', 'forbidden'],
  ])('refuses %s in the flat error shape, with HTTP 200', async (_name, auth, status, code) => {
    const path = code === 'unknown_profile' ? '/v1/credentials/nope?format=alibaba' : '/v1/credentials/uploads?format=alibaba';
    const res = await get(path, await auth());
    expectMatchesSpec('GET', '/v1/credentials/{profile}', res);
    expect(res.body).toEqual({
      StatusCode: status,
      ErrorCode: code,
      ErrorMessage: expect.any(String),
      RequestId: res.headers['x-request-id'],
    });
    expect(readAsAndroid(res).error).toContain(`ErrorCode: ${code}`);
    expect(broker.audit.at(-1)).toMatchObject({ event: 'credentials.refused', code });
  });

  it('an STS outage in the flat shape: StatusCode 503, Retry-After, and no internal reason', async () => {
    broker.emulator.faults.push({ kind: 'error', status: 500, code: 'InternalError', message: 'secret internal reason' });
    const res = await get('/v1/credentials/uploads?format=alibaba', await user());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ StatusCode: '503', ErrorCode: 'upstream_unavailable' });
    expect(res.body.ErrorMessage).not.toMatch(/InternalError|secret internal reason/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('without a flat format, failures stay problem+json with their real status', async () => {
    const res = await get('/v1/credentials/uploads');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expectMatchesSpec('GET', '/v1/credentials/{profile}', res);
  });

  it.each([
    ['?format=xml', 'format'],
    ['?format=alibaba&format=alibaba', 'once'],
    ['?bucket=other', 'unknown query parameter'],
  ])('refuses a bad query (%s)', async (query, words) => {
    const res = await get(`/v1/credentials/uploads${query}`, await user());
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'invalid_request' });
    expect(res.body.detail).toContain(words);
  });

  it('answers other methods with 405 and Allow: GET; a HEAD issues nothing', async () => {
    const res = await request(broker.app)
      .post('/v1/credentials/uploads')
      .set(await user());
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    const before = broker.emulator.stats.assumeRoleCalls;
    const head = await request(broker.app)
      .head('/v1/credentials/uploads')
      .set(await user());
    expect(head.status).toBe(405);
    expect(broker.emulator.stats.assumeRoleCalls).toBe(before);
  });
});

describe('credentials URL', () => {
  const url = (param: string, profile = 'partner-read') =>
    `/v1/credentials/${profile}?format=alibaba&credential=${encodeURIComponent(param)}`;

  it('issues for its profile, as its client, audited like an API key', async () => {
    const res = await get(url(readOnly.param));
    expect(readAsAndroid(res).token?.AccessKeyId).toMatch(/^STS\./);
    expect(broker.audit.at(-1)).toMatchObject({
      event: 'credentials.issued',
      profile: 'partner-read',
      prefix: 'partners/partner1/',
      principal: { kind: 'partner', clientId: 'partner', subject: readOnly.id, tenant: 'partner1' },
    });
  });

  it.each([
    ['a wrong secret', () => `${readOnly.id}.${'A'.repeat(43)}`, '401', 'unauthenticated'],
    ['an unknown id', () => `cu_unknown.${readOnly.secret}`, '401', 'unauthenticated'],
    ['a revoked URL', () => revoked.param, '401', 'unauthenticated'],
    ['a malformed value', () => 'no-dot-here', '401', 'unauthenticated'],
  ])('refuses %s with the same answer', async (_name, param, status, code) => {
    const res = await get(url(param()));
    expect(res.body).toMatchObject({ StatusCode: status, ErrorCode: code });
    expect(res.body.ErrorMessage).toMatch(/^(invalid|malformed) credentials URL$/);
  });

  it('is scoped to one profile', async () => {
    const res = await get(url(readOnly.param, 'uploads'));
    expect(res.body).toMatchObject({ StatusCode: '403', ErrorCode: 'forbidden' });
  });

  it('is refused together with a header credential', async () => {
    const res = await get(url(readOnly.param), { 'x-api-key': broker.partnerKey });
    expect(res.body).toMatchObject({ StatusCode: '401', ErrorCode: 'unauthenticated' });
  });

  it('never reaches the log: the access log shows the path, not the secret', async () => {
    await get(url(readOnly.param));
    await get(url(`${readOnly.id}.${'B'.repeat(43)}`));
    await get(`/v1/credentials/partner-read?format=alibaba&Credential=${readOnly.param}`); // unknown key: refused, still masked
    const text = broker.logText();
    expect(text).not.toContain(readOnly.secret);
    expect(text).not.toContain('B'.repeat(43));
    expect(text).not.toContain(readOnly.id + '.');
    expect(text).toContain('"url":"/v1/credentials/partner-read'); // the request itself is still in the access log
  });
});
