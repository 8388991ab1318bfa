/** The RAM policy grammar check behind InvalidParameter.PolicyGrammar (facts C). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDITION_OPERATORS, checkPolicyDocument, checkPolicyText } from '../../../../dev/emulator/sts/index.js';

const allow = { Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:b/u/*' };

describe('checkPolicyText', () => {
  it.each([
    ['a single statement object', { Version: '1', Statement: allow }],
    ['an array of statements', { Version: '1', Statement: [allow, { ...allow, Effect: 'Deny' }] }],
    ['NotAction and NotResource', { Version: '1', Statement: [{ Effect: 'Allow', NotAction: ['oss:Delete*'], NotResource: '*' }] }],
    ['action wildcards', { Version: '1', Statement: [{ ...allow, Action: ['oss:*', '*', 'oss:Get?bject'] }] }],
    [
      'every documented operator family',
      {
        Version: '1',
        Statement: [
          {
            ...allow,
            Condition: {
              StringLike: { 'oss:Prefix': ['u/*'] },
              StringEqualsIgnoreCase: { 'acs:UserAgent': 'x' },
              NumericLessThanEquals: { 'oss:MaxKeys': 100 },
              DateLessThan: { 'acs:CurrentTime': '2030-01-01T00:00:00Z' },
              Bool: { 'acs:SecureTransport': 'true' },
              IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] },
              NotIpAddress: { 'acs:SourceIp': '10.1.0.0/16' },
            },
          },
        ],
      },
    ],
  ])('accepts %s', (_name, doc) => {
    const result = checkPolicyText(JSON.stringify(doc));
    expect(result).toEqual({ ok: true, policy: doc });
  });

  it.each([
    ['bad JSON', '{"Version":"1",'],
    ['a JSON array', '[]'],
    ['a JSON string', '"x"'],
    ['Version 2', JSON.stringify({ Version: '2', Statement: [allow] })],
    ['numeric Version', JSON.stringify({ Version: 1, Statement: [allow] })],
    ['missing Version', JSON.stringify({ Statement: [allow] })],
    ['missing Statement', JSON.stringify({ Version: '1' })],
    ['empty Statement', JSON.stringify({ Version: '1', Statement: [] })],
    ['a non-object statement', JSON.stringify({ Version: '1', Statement: ['x'] })],
    ['unknown top-level key', JSON.stringify({ Version: '1', Statement: [allow], Id: 'x' })],
    ['unknown statement key', JSON.stringify({ Version: '1', Statement: [{ ...allow, Sid: 'x' }] })],
    ['Principal in a session policy', JSON.stringify({ Version: '1', Statement: [{ ...allow, Principal: '*' }] })],
    ['lower-case effect', JSON.stringify({ Version: '1', Statement: [{ ...allow, Effect: 'allow' }] })],
    ['missing Effect', JSON.stringify({ Version: '1', Statement: [{ Action: 'oss:*', Resource: '*' }] })],
    ['both Action and NotAction', JSON.stringify({ Version: '1', Statement: [{ ...allow, NotAction: 'oss:*' }] })],
    ['neither Action nor NotAction', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] })],
    ['missing Resource', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*' }] })],
    ['both Resource and NotResource', JSON.stringify({ Version: '1', Statement: [{ ...allow, NotResource: '*' }] })],
    ['empty Action array', JSON.stringify({ Version: '1', Statement: [{ ...allow, Action: [] }] })],
    ['empty Action string', JSON.stringify({ Version: '1', Statement: [{ ...allow, Action: '' }] })],
    ['non-string Resource', JSON.stringify({ Version: '1', Statement: [{ ...allow, Resource: [1] }] })],
    ['malformed action', JSON.stringify({ Version: '1', Statement: [{ ...allow, Action: 'PutObject' }] })],
    ['unknown condition operator', JSON.stringify({ Version: '1', Statement: [{ ...allow, Condition: { StringMatches: { k: 'v' } } }] })],
    [
      'IfExists operator (UNCONFIRMED for RAM)',
      JSON.stringify({ Version: '1', Statement: [{ ...allow, Condition: { StringEqualsIfExists: { k: 'v' } } }] }),
    ],
    ['empty Condition', JSON.stringify({ Version: '1', Statement: [{ ...allow, Condition: {} }] })],
    ['condition value object', JSON.stringify({ Version: '1', Statement: [{ ...allow, Condition: { Bool: { k: { x: 1 } } } }] })],
    ['condition empty value array', JSON.stringify({ Version: '1', Statement: [{ ...allow, Condition: { Bool: { k: [] } } }] })],
  ])('rejects %s', (_name, text) => {
    const result = checkPolicyText(text);
    expect(result.ok).toBe(false);
  });

  it('checks already-parsed documents too', () => {
    expect(checkPolicyDocument({ Version: '1', Statement: allow }).ok).toBe(true);
    expect(checkPolicyDocument(null).ok).toBe(false);
  });

  it('never throws on arbitrary text or JSON values (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = checkPolicyText(text);
        return typeof result.ok === 'boolean';
      }),
      { numRuns: 500 },
    );
  });

  it('accepts exactly the documented operators (property over operator names)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (operator) => {
        const doc = { Version: '1', Statement: [{ ...allow, Condition: { [operator]: { k: 'v' } } }] };
        return checkPolicyDocument(doc).ok === CONDITION_OPERATORS.has(operator);
      }),
    );
  });
});
