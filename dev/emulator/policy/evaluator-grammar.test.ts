/**
 * The RAM policy grammar (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure" and "Condition"): what parsePolicy accepts, and what it refuses with
 * PolicyGrammarError (the InvalidParameter.PolicyGrammar of STS, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDITION_OPERATORS, parsePolicy, parsePolicyText, PolicyGrammarError } from './index.js';

const allow = { Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:b/u/*' };
const doc = (statement: unknown) => ({ Version: '1', Statement: [statement] });
const withCondition = (condition: unknown) => doc({ ...allow, Condition: condition });

describe('parsePolicy accepts', () => {
  it.each<[string, unknown]>([
    ['one statement object instead of an array', { Version: '1', Statement: allow }],
    ['Action and Resource as arrays', doc({ ...allow, Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['*'] })],
    ['NotAction with NotResource', doc({ Effect: 'Deny', NotAction: 'oss:Get*', NotResource: ['acs:oss:*:*:b/*'] })],
    ['action wildcards', doc({ ...allow, Action: ['*', 'oss:*', 'oss:Get?bject', '*:List*'] })],
    ['an empty string as a condition value (doc: oss:Prefix "")', withCondition({ StringLike: { 'oss:Prefix': ['', 'a/'] } })],
    ['numbers for Numeric operators', withCondition({ NumericLessThanEquals: { 'oss:MaxKeys': [100, '1e3', '-2.5'] } })],
    [
      'ISO dates with offsets and epoch seconds',
      withCondition({ DateLessThan: { 'acs:CurrentTime': ['2019-08-12T17:00:00+08:00', '2030-01-01', 1893456000, '1893456000'] } }),
    ],
    ['booleans as JSON or strings', withCondition({ Bool: { 'acs:SecureTransport': [true, 'false', 'TRUE'] } })],
    [
      'IPv4 and IPv6 addresses and CIDRs',
      withCondition({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '203.0.113.2', '2001:db8::/32', '::1', '::ffff:192.0.2.1'] } }),
    ],
    [
      'every documented operator',
      withCondition(
        Object.fromEntries(
          [...CONDITION_OPERATORS].map((op) => [
            op,
            {
              k: op.startsWith('Numeric')
                ? 1
                : op.startsWith('Date')
                  ? '2020-01-01T00:00:00Z'
                  : op === 'Bool'
                    ? 'true'
                    : op.includes('Ip')
                      ? '10.0.0.1'
                      : 'v',
            },
          ]),
        ),
      ),
    ],
  ])('%s', (_name, document) => {
    const parsed = parsePolicy(document);
    expect(parsed.statements.length).toBeGreaterThan(0);
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  it('documents the 21 operators of the RAM conditional-operator page', () => {
    expect(CONDITION_OPERATORS.size).toBe(21);
  });
});

describe('parsePolicy refuses with PolicyGrammarError', () => {
  it.each<[string, unknown, RegExp]>([
    ['a JSON array', [], /JSON object/],
    ['null', null, /JSON object/],
    ['Version "2"', { Version: '2', Statement: [allow] }, /Version/],
    ['a numeric Version', { Version: 1, Statement: [allow] }, /Version/],
    ['a missing Version', { Statement: [allow] }, /Version/],
    ['a missing Statement', { Version: '1' }, /Statement/],
    ['an empty Statement array', { Version: '1', Statement: [] }, /Statement/],
    ['an unknown top-level key', { Version: '1', Statement: [allow], Id: 'x' }, /Unknown policy element "Id"/],
    ['a non-object statement', doc('x'), /Statement\[0\]/],
    ['an unknown statement key (Sid)', doc({ ...allow, Sid: 'x' }), /unknown element "Sid"/],
    ['Principal (resource policies only)', doc({ ...allow, Principal: '*' }), /Principal/],
    ['a lower-case Effect', doc({ ...allow, Effect: 'allow' }), /Effect/],
    ['a missing Effect', doc({ Action: 'oss:*', Resource: '*' }), /Effect/],
    ['Action with NotAction', doc({ ...allow, NotAction: 'oss:*' }), /exactly one of Action or NotAction/],
    ['neither Action nor NotAction', doc({ Effect: 'Allow', Resource: '*' }), /exactly one of Action/],
    ['Resource with NotResource', doc({ ...allow, NotResource: '*' }), /exactly one of Resource or NotResource/],
    ['no Resource', doc({ Effect: 'Allow', Action: 'oss:*' }), /Resource/],
    ['an empty Action array', doc({ ...allow, Action: [] }), /Action must be/],
    ['an empty Action string', doc({ ...allow, Action: '' }), /Action must be/],
    ['a number in Resource', doc({ ...allow, Resource: [1] }), /Resource must be/],
    ['an object as Resource', doc({ ...allow, Resource: { a: 1 } }), /Resource must be/],
    ['an action without a service', doc({ ...allow, Action: 'PutObject' }), /not valid/],
    ['an unknown operator', withCondition({ StringMatches: { k: 'v' } }), /unknown condition operator "StringMatches"/],
    ['an IfExists operator (UNCONFIRMED for RAM)', withCondition({ StringEqualsIfExists: { k: 'v' } }), /unknown condition operator/],
    ['a Null operator (UNCONFIRMED for RAM)', withCondition({ Null: { k: 'true' } }), /unknown condition operator/],
    ['an operator spelled in another case', withCondition({ stringequals: { k: 'v' } }), /unknown condition operator/],
    ['a prototype name as operator', withCondition({ constructor: { k: 'v' } }), /unknown condition operator/],
    ['an empty Condition', withCondition({}), /Condition must be/],
    ['a Condition array', withCondition([]), /Condition must be/],
    ['an empty operator block', withCondition({ StringEquals: {} }), /non-empty object of keys/],
    ['an empty key', withCondition({ StringEquals: { '': 'v' } }), /empty key/],
    ['an empty value list', withCondition({ StringEquals: { k: [] } }), /empty list/],
    ['a number for a String operator', withCondition({ StringEquals: { k: 1 } }), /expected a string/],
    ['a boolean for StringLike', withCondition({ StringLike: { k: [true] } }), /expected a string/],
    ['an object as value', withCondition({ Bool: { k: { x: 1 } } }), /not valid/],
    ['a nested array', withCondition({ StringEquals: { k: [['v']] } }), /not valid/],
    ['null as value', withCondition({ StringEquals: { k: null } }), /not valid/],
    ['a non-numeric Numeric value', withCondition({ NumericEquals: { k: 'ten' } }), /expected a number/],
    ['an empty Numeric string', withCondition({ NumericEquals: { k: '' } }), /expected a number/],
    ['a non-date Date value', withCondition({ DateLessThan: { 'acs:CurrentTime': 'tomorrow' } }), /ISO-8601/],
    ['an impossible date', withCondition({ DateLessThan: { 'acs:CurrentTime': '2019-02-30T00:00:00Z' } }), /ISO-8601/],
    ['a Bool that is not true/false', withCondition({ Bool: { 'acs:SecureTransport': 'yes' } }), /"true" or "false"/],
    ['a bad IPv4 CIDR', withCondition({ IpAddress: { 'acs:SourceIp': '10.0.0.0/33' } }), /CIDR/],
    ['a bad IPv6 CIDR', withCondition({ IpAddress: { 'acs:SourceIp': '2001:db8::/129' } }), /CIDR/],
    ['an IP wildcard (semantics undocumented)', withCondition({ NotIpAddress: { 'acs:SourceIp': '192.168.*' } }), /CIDR/],
    ['a host name as IP', withCondition({ IpAddress: { 'acs:SourceIp': 'localhost' } }), /CIDR/],
  ])('%s', (_name, document, reason) => {
    let caught: unknown;
    try {
      parsePolicy(document);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyGrammarError);
    const error = caught as PolicyGrammarError;
    expect(error.stsCode).toBe('InvalidParameter.PolicyGrammar');
    expect(error.message).toMatch(reason);
  });
});

describe('parsePolicyText', () => {
  it('parses JSON text', () => {
    expect(parsePolicyText(JSON.stringify(doc(allow))).statements).toHaveLength(1);
  });

  it.each(['', '{', '{"Version":"1",}', 'NaN', "{'Version':'1'}"])('refuses bad JSON %j', (text) => {
    expect(() => parsePolicyText(text)).toThrow(PolicyGrammarError);
  });

  it('never throws anything but PolicyGrammarError, whatever the text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(doc(v))),
        ),
        (text) => {
          try {
            parsePolicyText(text);
            return true;
          } catch (error) {
            return error instanceof PolicyGrammarError;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
