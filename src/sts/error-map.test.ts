import { ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { DEFAULT_THROTTLE_RETRY_AFTER_SECONDS, mapStsError, ruleForCode, STS_ERROR_TABLE } from './index.js';

/** Builds the error openapi-core 1.0.8 throws for an STS JSON error body (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)). */
function sdkError(status: number, code: string, extra: Record<string, unknown> = {}): Error {
  const map = { statusCode: status, code, message: `code: ${status}, secret-ish text request id: r1`, requestId: 'r1', ...extra };
  if (code.includes('Throttling')) return new ThrottlingError(map);
  return status < 500 ? new ClientError(map) : new ServerError(map);
}

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

type Row = [code: string, status: number, broker: BrokerError['code'], retryable: boolean];

// Every code of https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes) (AssumeRole table, troubleshooting list, common gateway codes).
const DOCUMENTED_ERRORS: Row[] = [
  ['InvalidParameter', 400, 'upstream_rejected', false],
  ['InvalidParameter.RoleArn', 400, 'upstream_rejected', false],
  ['InvalidParameter.RoleSessionName', 400, 'upstream_rejected', false],
  ['InvalidParameter.DurationSeconds', 400, 'upstream_rejected', false],
  ['InvalidParameter.PolicyGrammar', 400, 'upstream_rejected', false],
  ['InvalidParameter.PolicySize', 400, 'upstream_rejected', false],
  ['NoPermission', 403, 'upstream_rejected', false],
  ['EntityNotExist.Role', 404, 'upstream_rejected', false],
  ['InternalError', 500, 'upstream_unavailable', true],
  ['MissingSecurityToken', 400, 'upstream_rejected', false],
  ['InvalidAccessKeyId.NotFound', 404, 'upstream_rejected', false],
  ['InvalidAccessKeyId.Inactive', 400, 'upstream_rejected', false],
  ['SignatureDoesNotMatch', 400, 'upstream_rejected', false],
  ['IncompleteSignature', 400, 'upstream_rejected', false],
  ['InvalidTimeStamp.Format', 400, 'upstream_rejected', false],
  ['InvalidTimeStamp.Expired', 400, 'upstream_rejected', false],
  ['SignatureNonceUsed', 400, 'upstream_unavailable', true],
  ['InvalidSecurityToken.Expired', 400, 'upstream_rejected', false],
  ['InvalidSecurityToken.Malformed', 400, 'upstream_rejected', false],
  ['InvalidSecurityToken.MismatchWithAccessKey', 400, 'upstream_rejected', false],
  ['Throttling', 400, 'upstream_throttled', false],
  ['Throttling.User', 400, 'upstream_throttled', false],
  ['Throttling.Api', 503, 'upstream_throttled', false],
  ['InvalidApi.NotFound', 404, 'upstream_rejected', false],
  ['MissingParameter', 400, 'upstream_rejected', false],
  ['Forbidden.AccessKeyDisabled', 403, 'upstream_rejected', false],
  ['ServiceUnavailable', 503, 'upstream_unavailable', true],
];

describe('mapStsError: every STS code of https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)', () => {
  it('the table covers exactly the rows tested here', () => {
    expect(Object.keys(STS_ERROR_TABLE).sort()).toEqual(DOCUMENTED_ERRORS.map(([c]) => c).sort());
  });

  it.each(DOCUMENTED_ERRORS)('%s (%i) -> %s, retryable %s', (code, status, broker, retryable) => {
    const raw = sdkError(status, code);
    const mapped = mapStsError(raw);
    expect(mapped.error).toBeInstanceOf(BrokerError);
    expect(mapped.error.code).toBe(broker);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.outage).toBe(broker === 'upstream_unavailable');
    expect(mapped.outcomeCode).toBe(code);
    expect(mapped.error.cause).toBe(raw);
    expect(mapped.error.detail).not.toContain('secret-ish');
    expect(mapped.error.message).not.toContain('secret-ish');
    if (broker === 'upstream_rejected') {
      expect(mapped.error.status).toBe(502);
      expect(mapped.error.detail).toBe(`STS refused: ${code}`);
    } else {
      expect(mapped.error.status).toBe(503);
    }
    if (broker === 'upstream_throttled') {
      expect(mapped.error.retryAfterSeconds).toBe(DEFAULT_THROTTLE_RETRY_AFTER_SECONDS);
    }
  });
});

describe('mapStsError: code families and unknown codes', () => {
  it.each([
    ['InvalidParameter.ExternalId', 400, 'upstream_rejected', false],
    ['EntityNotExist.RoleArn', 404, 'upstream_rejected', false],
    ['MissingParameter.RoleArn', 400, 'upstream_rejected', false],
    ['Forbidden.RAM', 403, 'upstream_rejected', false],
    ['Throttling.Tenant', 400, 'upstream_throttled', false],
    ['SomeNewCode', 400, 'upstream_rejected', false],
    ['SomeNewCode', 502, 'upstream_unavailable', true],
    ['SomeNewCode', 429, 'upstream_throttled', false],
    ['SomeNewCode', 408, 'upstream_unavailable', true],
  ] as Row[])('%s (%i) -> %s', (code, status, broker, retryable) => {
    const mapped = mapStsError(sdkError(status, code));
    expect([mapped.error.code, mapped.retryable]).toEqual([broker, retryable]);
  });

  it('unknown codes get a bounded metrics label', () => {
    expect(mapStsError(sdkError(400, 'SomeNewCode')).outcomeCode).toBe('http_4xx');
    expect(mapStsError(sdkError(502, 'SomeNewCode')).outcomeCode).toBe('http_5xx');
  });

  it('a code that does not look like an STS code is not shown', () => {
    const mapped = mapStsError(sdkError(400, '<script>alert(1)</script>'));
    expect(mapped.error.code).toBe('upstream_rejected');
    expect(mapped.error.detail).toBe('STS refused the request');
    expect(mapped.error.extensions).toEqual({});
  });

  it('ruleForCode knows the families', () => {
    expect(ruleForCode('InvalidParameter.Anything')?.kind).toBe('rejected');
    expect(ruleForCode('Nope')).toBeUndefined();
  });
});

describe('mapStsError: throttling Retry-After', () => {
  it('reads x-acs-retry-after (milliseconds, as darabonba does) and rounds up to seconds', () => {
    const mapped = mapStsError(sdkError(400, 'Throttling.User', { retryAfter: 1500 }));
    expect(mapped.error.retryAfterSeconds).toBe(2);
  });

  it('throttling is never retried: not from STS, not from a BrokerError carrying it', () => {
    expect(mapStsError(sdkError(400, 'Throttling.User', { retryAfter: 1500 })).retryable).toBe(false);
    expect(mapStsError(sdkError(400, 'Throttling')).retryable).toBe(false);
    expect(mapStsError(new BrokerError('upstream_throttled', 'x')).retryable).toBe(false);
    expect(mapStsError(new BrokerError('upstream_unavailable', 'x')).retryable).toBe(true);
  });

  it('caps a huge hint at 60 s and ignores a bad one', () => {
    expect(mapStsError(sdkError(400, 'Throttling', { retryAfter: 10_000_000 })).error.retryAfterSeconds).toBe(60);
    expect(mapStsError(sdkError(400, 'Throttling', { retryAfter: -5 })).error.retryAfterSeconds).toBe(1);
  });
});

describe('mapStsError: transport failures', () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ['HTML page from a proxy (SyntaxError)', new SyntaxError('Unexpected token < in JSON'), 'bad_response', true],
    [
      'read timeout',
      Object.assign(new Error('ReadTimeout(300). POST http://x/?Policy=... failed.'), { name: 'RequestTimeoutError' }),
      'timeout',
      true,
    ],
    ['refused', errnoError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'network', true],
    ['reset', errnoError('ECONNRESET', 'socket hang up'), 'network', true],
    ['connect timeout', errnoError('ETIMEDOUT', 'connect ETIMEDOUT'), 'timeout', true],
    ['socket hang up without errno', new Error('socket hang up'), 'network', true],
    ['DNS', errnoError('ENOTFOUND', 'getaddrinfo ENOTFOUND sts.example'), 'network', true],
    ['no credentials', new Error('unable to get credentials from any of the providers in the chain: ...'), 'no_credentials', false],
    ['something else', new TypeError('x is not a function'), 'unknown', false],
    ['a string', 'boom', 'unknown', false],
    ['undefined', undefined, 'unknown', false],
  ];

  it.each(cases)('%s -> upstream_unavailable', (_name, raw, outcome, retryable) => {
    const mapped = mapStsError(raw);
    expect(mapped.error.code).toBe('upstream_unavailable');
    expect(mapped.error.status).toBe(503);
    expect(mapped.outcomeCode).toBe(outcome);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.outage).toBe(true);
    expect(mapped.error.cause).toBe(raw);
    if (raw instanceof Error) expect(mapped.error.detail).not.toContain(raw.message);
  });

  it('passes a BrokerError through', () => {
    const own = new BrokerError('upstream_unavailable', 'malformed STS response');
    expect(mapStsError(own)).toMatchObject({ error: own, retryable: true, outage: true });
  });
});
