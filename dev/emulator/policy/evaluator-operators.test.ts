/**
 * Every condition operator of the RAM table (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements; https://www.alibabacloud.com/help/en/ram/conditional-operator)
 * with a row where it holds, one where it does not, and one where the request lacks the key. Our rule for a missing
 * key (dev/emulator/policy/condition.ts): positive operators do not hold; negated operators (…Not…, NotIpAddress)
 * do, as in AWS IAM.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, parsePolicy, type ContextValue } from './index.js';

function holds(operator: string, key: string, value: unknown, context: Record<string, ContextValue>): boolean {
  const policy = parsePolicy({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: { [operator]: { [key]: value } } }],
  });
  return evaluatePolicy(policy, { action: 'oss:GetObject', resource: 'acs:oss:*:*:b/k', context }) === 'allow';
}

const MISSING = Symbol('missing');
type Row = [operator: string, key: string, policyValue: unknown, request: ContextValue | typeof MISSING, holds: boolean];

const rows: Row[] = [
  // String: case-sensitive except …IgnoreCase; StringLike / StringNotLike take * and ?.
  ['StringEquals', 'acs:UserAgent', 'app/1.0', 'app/1.0', true],
  ['StringEquals', 'acs:UserAgent', 'app/1.0', 'APP/1.0', false],
  ['StringEquals', 'acs:UserAgent', 'app/1.0', MISSING, false],
  ['StringNotEquals', 'acs:UserAgent', 'bot', 'app', true],
  ['StringNotEquals', 'acs:UserAgent', 'bot', 'bot', false],
  ['StringNotEquals', 'acs:UserAgent', 'bot', MISSING, true],
  ['StringEqualsIgnoreCase', 'acs:UserAgent', 'App', 'aPP', true],
  ['StringEqualsIgnoreCase', 'acs:UserAgent', 'App', 'Apps', false],
  ['StringEqualsIgnoreCase', 'acs:UserAgent', 'App', MISSING, false],
  ['StringNotEqualsIgnoreCase', 'acs:UserAgent', 'Bot', 'app', true],
  ['StringNotEqualsIgnoreCase', 'acs:UserAgent', 'Bot', 'BOT', false],
  ['StringNotEqualsIgnoreCase', 'acs:UserAgent', 'Bot', MISSING, true],
  ['StringLike', 'oss:Prefix', 'u/a/*', 'u/a/x/y', true],
  ['StringLike', 'oss:Prefix', 'u/a/*', 'u/A/x', false],
  ['StringLike', 'oss:Prefix', 'u/?/x', 'u/b/x', true],
  ['StringLike', 'oss:Prefix', 'u/?/x', 'u/bb/x', false],
  ['StringLike', 'oss:Prefix', '', '', true],
  ['StringLike', 'oss:Prefix', 'u/a/*', MISSING, false],
  ['StringNotLike', 'oss:Prefix', 'secret/*', 'public/a', true],
  ['StringNotLike', 'oss:Prefix', 'secret/*', 'secret/a', false],
  ['StringNotLike', 'oss:Prefix', 'secret/*', MISSING, true],
  // Numeric: JSON numbers or decimal strings on either side; a non-numeric request value never compares.
  ['NumericEquals', 'oss:MaxKeys', 100, '100', true],
  ['NumericEquals', 'oss:MaxKeys', '100', '1e2', true],
  ['NumericEquals', 'oss:MaxKeys', 100, '101', false],
  ['NumericEquals', 'oss:MaxKeys', 100, 'abc', false],
  ['NumericEquals', 'oss:MaxKeys', 100, MISSING, false],
  ['NumericNotEquals', 'oss:MaxKeys', 100, '99', true],
  ['NumericNotEquals', 'oss:MaxKeys', 100, '100.0', false],
  ['NumericNotEquals', 'oss:MaxKeys', 100, MISSING, true],
  ['NumericLessThan', 'oss:MaxKeys', 100, '99.5', true],
  ['NumericLessThan', 'oss:MaxKeys', 100, '100', false],
  ['NumericLessThan', 'oss:MaxKeys', 100, MISSING, false],
  ['NumericLessThanEquals', 'oss:MaxKeys', 100, '100', true],
  ['NumericLessThanEquals', 'oss:MaxKeys', 100, '101', false],
  ['NumericLessThanEquals', 'oss:MaxKeys', 100, MISSING, false],
  ['NumericGreaterThan', 'oss:MaxKeys', -1, '0', true],
  ['NumericGreaterThan', 'oss:MaxKeys', -1, '-1', false],
  ['NumericGreaterThan', 'oss:MaxKeys', -1, MISSING, false],
  ['NumericGreaterThanEquals', 'oss:MaxKeys', 10, '10', true],
  ['NumericGreaterThanEquals', 'oss:MaxKeys', 10, '9.99', false],
  ['NumericGreaterThanEquals', 'oss:MaxKeys', 10, MISSING, false],
  // Date with acs:CurrentTime (ISO-8601, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements); policy values may carry an offset or be epoch seconds.
  ['DateEquals', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', '2019-08-12T09:00:00Z', true],
  ['DateEquals', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', '2019-08-12T17:00:00Z', false],
  ['DateEquals', 'acs:CurrentTime', 1565600400, '2019-08-12T09:00:00.000Z', true],
  ['DateEquals', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', MISSING, false],
  ['DateNotEquals', 'acs:CurrentTime', '2019-08-12T09:00:00Z', '2019-08-12T09:00:01Z', true],
  ['DateNotEquals', 'acs:CurrentTime', '2019-08-12T09:00:00Z', '2019-08-12T17:00:00+0800', false],
  ['DateNotEquals', 'acs:CurrentTime', '2019-08-12T09:00:00Z', MISSING, true],
  ['DateLessThan', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', '2019-08-12T08:59:59Z', true],
  ['DateLessThan', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', '2019-08-12T09:00:00Z', false],
  ['DateLessThan', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', 'not a date', false],
  ['DateLessThan', 'acs:CurrentTime', '2019-08-12T17:00:00+08:00', MISSING, false],
  ['DateLessThanEquals', 'acs:CurrentTime', '2030-01-01', '2030-01-01T00:00:00Z', true],
  ['DateLessThanEquals', 'acs:CurrentTime', '2030-01-01', '2030-01-01T00:00:00.001Z', false],
  ['DateLessThanEquals', 'acs:CurrentTime', '2030-01-01', MISSING, false],
  ['DateGreaterThan', 'acs:CurrentTime', '2020-01-01T00:00:00Z', '2020-01-01T00:00:01Z', true],
  ['DateGreaterThan', 'acs:CurrentTime', '2020-01-01T00:00:00Z', '2019-12-31T23:59:59Z', false],
  ['DateGreaterThan', 'acs:CurrentTime', '2020-01-01T00:00:00Z', MISSING, false],
  ['DateGreaterThanEquals', 'acs:CurrentTime', '2020-01-01T08:00:00+08:00', '2020-01-01T00:00:00Z', true],
  ['DateGreaterThanEquals', 'acs:CurrentTime', '2020-01-01T08:00:00+08:00', '2019-12-31T23:59:59.999Z', false],
  ['DateGreaterThanEquals', 'acs:CurrentTime', '2020-01-01T08:00:00+08:00', MISSING, false],
  // Bool with acs:SecureTransport ("true"/"false" from the OSS emulator).
  ['Bool', 'acs:SecureTransport', 'true', 'true', true],
  ['Bool', 'acs:SecureTransport', 'true', 'false', false],
  ['Bool', 'acs:SecureTransport', true, 'TRUE', true],
  ['Bool', 'acs:SecureTransport', 'false', 'false', true],
  ['Bool', 'acs:SecureTransport', 'true', 'HTTPS', false],
  ['Bool', 'acs:SecureTransport', 'true', MISSING, false],
  // IpAddress / NotIpAddress: CIDR or single address, IPv4 and IPv6.
  ['IpAddress', 'acs:SourceIp', '192.168.0.0/16', '192.168.200.7', true],
  ['IpAddress', 'acs:SourceIp', '192.168.0.0/16', '192.169.0.1', false],
  ['IpAddress', 'acs:SourceIp', '203.0.113.2', '203.0.113.2', true],
  ['IpAddress', 'acs:SourceIp', '203.0.113.2', '203.0.113.3', false],
  ['IpAddress', 'acs:SourceIp', '10.0.0.0/8', '::ffff:10.1.2.3', true],
  ['IpAddress', 'acs:SourceIp', '0.0.0.0/0', '8.8.8.8', true],
  ['IpAddress', 'acs:SourceIp', '0.0.0.0/0', '2001:db8::1', false],
  ['IpAddress', 'acs:SourceIp', '2001:db8::/32', '2001:db8:ffff::1', true],
  ['IpAddress', 'acs:SourceIp', '2001:db8::/32', '2001:db9::1', false],
  ['IpAddress', 'acs:SourceIp', '2001:db8:0:0:1::/80', '2001:db8::1:0:0:5', true],
  ['IpAddress', 'acs:SourceIp', '2001:db8:0:0:1::/80', '2001:db8::2:0:0:5', false],
  ['IpAddress', 'acs:SourceIp', '::1', '0:0:0:0:0:0:0:1', true],
  ['IpAddress', 'acs:SourceIp', '::/0', '192.0.2.1', false],
  ['IpAddress', 'acs:SourceIp', '192.168.0.0/16', 'not-an-ip', false],
  ['IpAddress', 'acs:SourceIp', '192.168.0.0/16', MISSING, false],
  ['NotIpAddress', 'acs:SourceIp', '192.168.0.0/16', '10.0.0.1', true],
  ['NotIpAddress', 'acs:SourceIp', '192.168.0.0/16', '192.168.1.1', false],
  ['NotIpAddress', 'acs:SourceIp', 'fd00::/8', 'fd12:3456::1', false],
  ['NotIpAddress', 'acs:SourceIp', 'fd00::/8', 'fe80::1', true],
  ['NotIpAddress', 'acs:SourceIp', '192.168.0.0/16', MISSING, true],
];

describe('condition operators', () => {
  it.each(rows)('%s {%s: %j} with request %j → holds %s', (operator, key, value, request, expected) => {
    const context = request === MISSING ? {} : { [key]: request };
    expect(holds(operator, key, value, context)).toBe(expected);
  });

  it('covers every documented operator with a holding, a failing and a missing-key row', () => {
    const operators = new Set(rows.map((row) => row[0]));
    expect(operators.size).toBe(21);
    for (const op of operators) {
      const mine = rows.filter((row) => row[0] === op);
      expect(
        mine.some((row) => row[3] === MISSING),
        op,
      ).toBe(true);
      expect(
        mine.some((row) => row[3] !== MISSING && row[4]),
        op,
      ).toBe(true);
      expect(
        mine.some((row) => row[3] !== MISSING && !row[4]),
        op,
      ).toBe(true);
    }
  });
});

describe('condition combination (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements: values ORed, keys ANDed, operators ANDed)', () => {
  const policy = parsePolicy({
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'oss:ListObjects',
        Resource: 'acs:oss:*:*:b',
        Condition: {
          StringLike: { 'oss:Prefix': ['a/*', 'b/*'], 'oss:Delimiter': '/' },
          IpAddress: { 'acs:SourceIp': '10.0.0.0/8' },
        },
      },
    ],
  });
  const list = (context: Record<string, ContextValue>) =>
    evaluatePolicy(policy, { action: 'oss:ListObjects', resource: 'acs:oss:*:*:b', context });
  const good = { 'oss:Prefix': 'b/x', 'oss:Delimiter': '/', 'acs:SourceIp': '10.9.9.9' };

  it.each<[string, Record<string, ContextValue>, string]>([
    ['all hold (second value of an ORed list)', good, 'allow'],
    ['one key of an operator fails (AND)', { ...good, 'oss:Delimiter': '-' }, 'implicit_deny'],
    ['a key of an operator is missing (AND)', { 'oss:Prefix': 'b/x', 'acs:SourceIp': '10.9.9.9' }, 'implicit_deny'],
    ['another operator fails (AND)', { ...good, 'acs:SourceIp': '11.0.0.1' }, 'implicit_deny'],
    ['no value of the ORed list matches', { ...good, 'oss:Prefix': 'c/x' }, 'implicit_deny'],
    [
      'keys named in another case (RAM keys are case-insensitive)',
      { 'OSS:PREFIX': 'a/1', 'oss:delimiter': '/', 'ACS:SourceIP': '10.0.0.1' },
      'allow',
    ],
    ['a multi-valued request key: any value may match', { ...good, 'acs:SourceIp': ['11.0.0.1', '10.0.0.1'] }, 'allow'],
    ['an empty value list counts as missing', { ...good, 'acs:SourceIp': [] }, 'implicit_deny'],
    ['an undefined value counts as missing', { ...good, 'acs:SourceIp': undefined }, 'implicit_deny'],
  ])('%s → %s', (_name, context, expected) => {
    expect(list(context)).toBe(expected);
  });

  it('a key written in any case in the policy matches the request key', () => {
    const p = parsePolicy({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: { Bool: { 'ACS:securetransport': 'true' } } }],
    });
    const req = (v: string) => ({ action: 'oss:GetObject', resource: 'x', context: { 'acs:SecureTransport': v } });
    expect(evaluatePolicy(p, req('true'))).toBe('allow');
    expect(evaluatePolicy(p, req('false'))).toBe('implicit_deny');
  });

  it('a negated operator in a Deny denies a request that lacks the key (fail closed)', () => {
    const p = parsePolicy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: '*' },
        { Effect: 'Deny', Action: 'oss:*', Resource: '*', Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } },
      ],
    });
    const req = (context: Record<string, ContextValue>) => evaluatePolicy(p, { action: 'oss:GetObject', resource: 'x', context });
    expect(req({ 'acs:SourceIp': '10.0.0.1' })).toBe('allow');
    expect(req({ 'acs:SourceIp': '192.0.2.1' })).toBe('explicit_deny');
    expect(req({})).toBe('explicit_deny');
  });
});
