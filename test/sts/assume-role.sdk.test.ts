/**
 * The StsClient through the REAL @alicloud/sts20150401 SDK against scripted local servers (helpers/fake-sts-server):
 * every answer class STS or the network can produce, checked for the BrokerError it becomes, whether it was retried
 * (requests counted on the server), and that no secret from the answer leaks into what a caller sees.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerError } from '../../src/errors.js';
import { refusal } from '../../dev/testing/errors.js';
import { accessKeyCredential, createStsClient, type StsCallOutcome, type StsConfig } from '../../src/sts/index.js';
import type { AssumeRoleInput } from '../../src/sts/types.js';
import { closedPort, fakeValue, startFakeSts, testStsConfig, type FakeAnswer, type FakeSts } from './helpers/fake-sts-server.js';
import { ManualClock } from '../../dev/testing/clock.js';
import { within } from '../../dev/testing/deadline.js';

const input: AssumeRoleInput = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  roleSessionName: 'acme.alice',
  policy: JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:b/uploads/acme/alice/*'] }],
  }),
  durationSeconds: 900,
};

const ENV_KEYS = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const brokerAk = { id: fakeValue('LTAI'), secret: fakeValue('broker-secret-') };

let sts: FakeSts;

beforeAll(async () => {
  // The default credentials chain reads these first (https://github.com/aliyun/credentials-nodejs#credential-provider-chain); nothing in the config names a key.
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = brokerAk.id;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = brokerAk.secret;
  delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
  sts = await startFakeSts();
  sts.expectSecret(brokerAk.secret);
});

afterAll(async () => {
  await sts.close();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

beforeEach(() => {
  sts.requests.length = 0;
  sts.script({ kind: 'ok' });
});

const config = (overrides: Partial<StsConfig> = {}): StsConfig => testStsConfig(sts.endpoint, overrides);

function client(overrides: Partial<StsConfig> = {}, extra: { deadlineMs?: number; clock?: ManualClock } = {}) {
  const outcomes: StsCallOutcome[] = [];
  const c = createStsClient({
    config: config(overrides),
    trustedCa: sts.ca,
    onCall: (o) => outcomes.push(o),
    sleep: async () => undefined, // no real backoff waits in tests
    ...extra,
  });
  return { client: c, outcomes };
}

function expectNoSecrets(err: BrokerError): void {
  const shown = JSON.stringify({ message: err.message, detail: err.detail, extensions: err.extensions });
  for (const secret of [sts.secrets.accessKeySecret, sts.secrets.securityToken, brokerAk.secret]) {
    expect(shown).not.toContain(secret);
  }
}

describe('AssumeRole through the real SDK', () => {
  it('returns parsed credentials, signed by the default credentials chain (env AccessKey)', async () => {
    const { client: c, outcomes } = client();
    const creds = await c.assumeRole(input);
    expect(creds).toMatchObject({
      accessKeyId: sts.secrets.accessKeyId,
      accessKeySecret: sts.secrets.accessKeySecret,
      securityToken: sts.secrets.securityToken,
    });
    expect(creds.expiresAt).toBeGreaterThan(Date.now() + 800_000);
    expect(sts.requests).toHaveLength(1);
    const req = sts.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.accessKeyId).toBe(brokerAk.id);
    expect(req.signatureValid).toBe(true);
    expect(req.headers['x-acs-action']).toBe('AssumeRole');
    const query = new URL(req.url, 'http://x').searchParams;
    expect(query.get('RoleArn')).toBe(input.roleArn);
    expect(query.get('RoleSessionName')).toBe(input.roleSessionName);
    expect(query.get('Policy')).toBe(input.policy);
    expect(query.get('DurationSeconds')).toBe('900');
    expect(query.has('ExternalId')).toBe(false);
    expect(outcomes.map((o) => o.code)).toEqual(['ok']);
  });

  it('sends ExternalId when set, and accepts an explicit credential object', async () => {
    const other = { id: fakeValue('LTAI'), secret: fakeValue('other-') };
    const credential = accessKeyCredential(other.id, other.secret);
    const c = createStsClient({ config: config(), trustedCa: sts.ca, credential });
    await c.assumeRole({ ...input, externalId: 'partner-ext-1' });
    const req = sts.requests[0]!;
    expect(req.accessKeyId).toBe(other.id);
    expect(new URL(req.url, 'http://x').searchParams.get('ExternalId')).toBe('partner-ext-1');
  });

  const rejected: Array<[string, number]> = [
    ['InvalidParameter.PolicyGrammar', 400],
    ['InvalidParameter.PolicySize', 400],
    ['InvalidParameter.RoleSessionName', 400],
    ['NoPermission', 403],
    ['EntityNotExist.Role', 404],
    ['InvalidAccessKeyId.NotFound', 404],
    ['SignatureDoesNotMatch', 400],
    ['MissingSecurityToken', 400],
    ['InvalidSecurityToken.Expired', 400],
    ['Forbidden.AccessKeyDisabled', 403],
  ];
  it.each(rejected)('%s (%i) -> upstream_rejected 502, not retried', async (code, status) => {
    // STS's message can echo request material (SignatureDoesNotMatch prints the string to sign): never shown.
    sts.script({ kind: 'error', status, code, message: `boom ${sts.secrets.securityToken}` });
    const { client: c, outcomes } = client();
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_rejected', status: 502, detail: `STS refused: ${code}` });
    expect(sts.requests).toHaveLength(1);
    expect(outcomes).toEqual([{ code, ms: expect.any(Number) }]);
    expectNoSecrets(err);
  });

  const unavailable: Array<[string, number]> = [
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
  ];
  it.each(unavailable)('%s (%i) -> upstream_unavailable 503, retried maxAttempts times', async (code, status) => {
    sts.script({ kind: 'error', status, code });
    const { client: c } = client();
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', status: 503 });
    expect(sts.requests).toHaveLength(3);
    expectNoSecrets(err);
  });

  it('Throttling.User with x-acs-retry-after -> upstream_throttled with that Retry-After, one call, no retry', async () => {
    sts.script({
      kind: 'error',
      status: 400,
      code: 'Throttling.User',
      message: 'Request was denied due to user flow control.',
      headers: { 'x-acs-retry-after': '1500' },
    });
    const { client: c, outcomes } = client({ timeoutMs: 5000 });
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_throttled', status: 503, retryAfterSeconds: 2 });
    expect(sts.requests).toHaveLength(1);
    expect(outcomes.map((o) => o.code)).toEqual(['Throttling.User']);
  });

  it('throttling without a hint -> upstream_throttled with Retry-After 1, one call (it was retried at once)', async () => {
    sts.script({ kind: 'error', status: 400, code: 'Throttling' });
    const { client: c } = client({ timeoutMs: 5000 });
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_throttled', status: 503, retryAfterSeconds: 1 });
    expect(sts.requests).toHaveLength(1);
  });

  it('a long throttling hint is passed on as Retry-After: one call', async () => {
    sts.script({ kind: 'error', status: 400, code: 'Throttling', headers: { 'x-acs-retry-after': '10000' } });
    const { client: c } = client({ timeoutMs: 2000 });
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_throttled', retryAfterSeconds: 10 });
    expect(sts.requests).toHaveLength(1);
  });

  it('an HTML 502 page from a proxy -> upstream_unavailable, retried', async () => {
    sts.script({ kind: 'raw', status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
    const { client: c, outcomes } = client();
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', status: 503 });
    expect(err.detail).not.toContain('<');
    expect(sts.requests).toHaveLength(3);
    expect(outcomes.map((o) => o.code)).toEqual(['bad_response', 'bad_response', 'bad_response']);
  });

  it('a hang -> upstream_unavailable after timeoutMs, retried within the deadline', async () => {
    sts.script({ kind: 'hang' });
    const { client: c, outcomes } = client({ timeoutMs: 200 }, { deadlineMs: 5000 });
    const started = Date.now();
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', detail: 'STS did not answer in time' });
    expect(sts.requests).toHaveLength(3);
    expect(outcomes.map((o) => o.code)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a hang with the default deadline (timeoutMs) makes one attempt: the wait stays bounded', async () => {
    sts.script({ kind: 'hang' });
    const { client: c } = client({ timeoutMs: 200 });
    // A 200 ms read timeout and one attempt: 10 s is far above what it takes, and far below the fake's hang.
    const err = await within(10_000, 'assumeRole against a hanging STS', refusal(c.assumeRole(input)));
    expect(err.code).toBe('upstream_unavailable');
    expect(sts.requests).toHaveLength(1);
  });

  it('a connection reset -> upstream_unavailable, retried', async () => {
    sts.script({ kind: 'reset' });
    const { client: c, outcomes } = client();
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', detail: 'STS could not be reached' });
    expect(sts.requests).toHaveLength(3);
    expect(outcomes.map((o) => o.code)).toEqual(['network', 'network', 'network']);
  });

  it('a refused connection -> upstream_unavailable, retried', async () => {
    const port = await closedPort();
    const { client: c, outcomes } = client({ endpoint: `127.0.0.1:${port}` });
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', status: 503, detail: 'STS could not be reached' });
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(outcomes.map((o) => o.code)).toEqual(['network', 'network', 'network']);
  });

  it('recovers when a retry succeeds', async () => {
    sts.script({ kind: 'error', status: 500, code: 'InternalError' }, { kind: 'reset' }, { kind: 'ok' });
    const { client: c, outcomes } = client();
    const creds = await c.assumeRole(input);
    expect(creds.accessKeyId).toBe(sts.secrets.accessKeyId);
    expect(sts.requests).toHaveLength(3);
    expect(outcomes.map((o) => o.code)).toEqual(['InternalError', 'network', 'ok']);
  });

  it('log lines name the STS code and request id but carry no secret or raw message', async () => {
    sts.script(
      { kind: 'error', status: 500, code: 'InternalError', message: `leak ${sts.secrets.accessKeySecret}` },
      { kind: 'reset' },
      { kind: 'error', status: 403, code: 'NoPermission', message: `leak ${sts.secrets.securityToken}` },
    );
    const lines: Array<[object, string | undefined]> = [];
    const logger = { warn: (o: object, m?: string) => lines.push([o, m]), debug: (o: object, m?: string) => lines.push([o, m]) };
    const c = createStsClient({ config: config(), trustedCa: sts.ca, logger, sleep: async () => undefined });
    await refusal(c.assumeRole(input));
    const failed = lines.map(([o]) => o as Record<string, unknown>).filter((o) => o.event === 'sts.assume_role.failed');
    expect(failed.map((o) => o.stsCode)).toEqual(['InternalError', 'network', 'NoPermission']);
    expect(failed[0]?.upstream).toMatchObject({ name: 'ServerError', code: 'InternalError', statusCode: 500 });
    expect(failed[0]?.upstream).toHaveProperty('requestId');
    const text = JSON.stringify(lines);
    for (const secret of [sts.secrets.accessKeySecret, sts.secrets.securityToken, brokerAk.secret, 'leak']) {
      expect(text).not.toContain(secret);
    }
  });

  const malformed: Array<[string, FakeAnswer]> = [
    [
      'missing Expiration',
      { kind: 'ok', credentials: { AccessKeyId: 'STS.x', AccessKeySecret: 'SECRET-IN-BAD-ANSWER', SecurityToken: 'TOKEN-IN-BAD-ANSWER' } },
    ],
    ['bad Expiration', { kind: 'ok', expiration: 'next tuesday' }],
    ['no Credentials', { kind: 'raw', status: 200, contentType: 'application/json', body: '{"RequestId":"r"}' }],
    ['expired already', { kind: 'ok', expiration: '2001-01-01T00:00:00Z' }],
  ];
  it.each(malformed)('%s -> upstream_unavailable "malformed STS response", no secret shown', async (_name, answer) => {
    sts.script(answer);
    const { client: c, outcomes } = client({ maxAttempts: 1 });
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', detail: 'malformed STS response' });
    expect(outcomes.map((o) => o.code)).toEqual(['malformed']);
    expectNoSecrets(err);
    const shown = `${err.message} ${String(err.cause)}`;
    expect(shown).not.toContain('SECRET-IN-BAD-ANSWER');
    expect(shown).not.toContain('TOKEN-IN-BAD-ANSWER');
  });
});

describe('breaker and budget in front of the real SDK', () => {
  let clock: ManualClock;
  afterEach(() => sts.script({ kind: 'ok' }));
  beforeEach(() => {
    clock = new ManualClock(Date.now());
  });

  it('opens after consecutive outages, fails fast without calling STS, then recovers through half-open', async () => {
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    const { client: c, outcomes } = client({ maxAttempts: 1, breaker: { failureThreshold: 2, openSeconds: 10 } }, { clock });
    await refusal(c.assumeRole(input));
    await refusal(c.assumeRole(input));
    expect(sts.requests).toHaveLength(2);
    const fast = await refusal(c.assumeRole(input));
    expect(fast).toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterSeconds: 10 });
    expect(sts.requests).toHaveLength(2);
    expect(outcomes.at(-1)?.code).toBe('breaker_open');
    clock.advance(10_000);
    sts.script({ kind: 'ok' });
    await expect(c.assumeRole(input)).resolves.toMatchObject({ accessKeyId: sts.secrets.accessKeyId });
    expect(sts.requests).toHaveLength(3);
  });

  it('rejections never open the breaker', async () => {
    sts.script({ kind: 'error', status: 403, code: 'NoPermission' });
    const { client: c } = client({ breaker: { failureThreshold: 1, openSeconds: 10 } }, { clock });
    for (let i = 0; i < 3; i += 1) await refusal(c.assumeRole(input));
    expect(sts.requests).toHaveLength(3);
  });

  it('the upstream budget refuses with upstream_throttled + Retry-After 1 without calling STS', async () => {
    const { client: c, outcomes } = client({ maxCallsPerSecond: 2 }, { clock });
    await c.assumeRole(input);
    await c.assumeRole(input);
    const err = await refusal(c.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_throttled', status: 503, retryAfterSeconds: 1 });
    expect(sts.requests).toHaveLength(2);
    expect(outcomes.map((o) => o.code)).toEqual(['ok', 'ok', 'budget_exhausted']);
    clock.advance(1000);
    await expect(c.assumeRole(input)).resolves.toEqual({
      accessKeyId: sts.secrets.accessKeyId,
      accessKeySecret: sts.secrets.accessKeySecret,
      securityToken: sts.secrets.securityToken,
      expiresAt: expect.any(Number),
    });
    expect(sts.requests).toHaveLength(3);
    expect(outcomes.map((o) => o.code)).toEqual(['ok', 'ok', 'budget_exhausted', 'ok']);
  });

  it('retries spend the budget too: with no token left, no retry is made', async () => {
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    const { client: c } = client({ maxCallsPerSecond: 1 }, { clock });
    await refusal(c.assumeRole(input));
    expect(sts.requests).toHaveLength(1);
  });
});
