/** The RAM policy grammar check behind InvalidParameter.PolicyGrammar (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDITION_OPERATORS, checkPolicyDocument, checkPolicyText } from './index.js';

const allow = { Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:b/u/*' };

type OperatorType = 'string' | 'number' | 'date' | 'boolean' | 'ip';

/**
 * The condition operators RAM documents, written out here from Alibaba's page (not taken from the emulator's table):
 * https://www.alibabacloud.com/help/en/ram/conditional-operator lists five types: String, Number, Date and time,
 * Boolean and IP address. `…IfExists`, `Null` and the `ForAnyValue:` / `ForAllValues:` qualifiers are not on it.
 */
const DOCUMENTED_OPERATORS: ReadonlyMap<string, OperatorType> = new Map<string, OperatorType>([
  ['StringEquals', 'string'],
  ['StringNotEquals', 'string'],
  ['StringEqualsIgnoreCase', 'string'],
  ['StringNotEqualsIgnoreCase', 'string'],
  ['StringLike', 'string'],
  ['StringNotLike', 'string'],
  ['NumericEquals', 'number'],
  ['NumericNotEquals', 'number'],
  ['NumericLessThan', 'number'],
  ['NumericLessThanEquals', 'number'],
  ['NumericGreaterThan', 'number'],
  ['NumericGreaterThanEquals', 'number'],
  ['DateEquals', 'date'],
  ['DateNotEquals', 'date'],
  ['DateLessThan', 'date'],
  ['DateLessThanEquals', 'date'],
  ['DateGreaterThan', 'date'],
  ['DateGreaterThanEquals', 'date'],
  ['Bool', 'boolean'],
  ['IpAddress', 'ip'],
  ['NotIpAddress', 'ip'],
]);

/** A value every operator of the type accepts, so only the operator name decides. */
const VALID_VALUE: Record<OperatorType, unknown> = {
  string: 'v',
  number: 100,
  date: '2030-01-01T00:00:00Z',
  boolean: 'true',
  ip: '10.0.0.0/8',
};

/** Names one edit away from a documented one: what a typo, another cloud's dialect or a lax parser would let in. */
function nearMisses(name: string): fc.Arbitrary<string> {
  const flipOne = fc.nat({ max: name.length - 1 }).map((i) => {
    const c = name.charAt(i);
    const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    return name.slice(0, i) + flipped + name.slice(i + 1);
  });
  return fc.oneof(
    fc.constantFrom(
      name.toLowerCase(),
      name.toUpperCase(),
      name.charAt(0).toLowerCase() + name.slice(1),
      `${name}IfExists`,
      `ForAnyValue:${name}`,
      `ForAllValues:${name}`,
      `Not${name}`,
      `${name}s`,
      ` ${name}`,
      `${name} `,
      `${name}\u0000`,
      name.slice(0, -1),
      name.slice(1),
    ),
    flipOne,
    fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.string({ minLength: 1, maxLength: 3 })).map(([a, b]) => `${a}${name}${b}`),
  );
}

/** Documented names (about a third), their near misses, operators of other dialects, and arbitrary text. */
const operatorCandidate: fc.Arbitrary<{ name: string; type: OperatorType }> = fc
  .constantFrom(...DOCUMENTED_OPERATORS)
  .chain(([name, type]) =>
    fc
      .oneof(
        { arbitrary: fc.constant(name), weight: 3 },
        { arbitrary: nearMisses(name), weight: 5 },
        {
          arbitrary: fc.constantFrom('Null', 'ArnLike', 'ArnEquals', 'BinaryEquals', 'StringMatches', '__proto__', 'constructor'),
          weight: 1,
        },
        { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 1 },
      )
      .map((candidate) => ({ name: candidate, type })),
  );

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

  it('the emulator knows exactly the documented operators', () => {
    expect([...CONDITION_OPERATORS].sort()).toEqual([...DOCUMENTED_OPERATORS.keys()].sort());
  });

  it.each([...DOCUMENTED_OPERATORS])('accepts the documented operator %s with a value of its type', (operator, type) => {
    const doc = { Version: '1', Statement: [{ ...allow, Condition: { [operator]: { k: VALID_VALUE[type] } } }] };
    expect(checkPolicyDocument(doc)).toEqual({ ok: true, policy: doc });
  });

  it('accepts exactly the documented operators (property over documented names and near misses)', () => {
    const seen = { documented: 0, nearMiss: 0 };
    fc.assert(
      fc.property(operatorCandidate, ({ name, type }) => {
        const documented = DOCUMENTED_OPERATORS.has(name);
        seen[documented ? 'documented' : 'nearMiss'] += 1;
        // The value suits the operator the name was derived from, so a refusal can only come from the name itself.
        const doc = { Version: '1', Statement: [{ ...allow, Condition: { [name]: { k: VALID_VALUE[type] } } }] };
        const result = checkPolicyDocument(doc);
        expect(result.ok, name).toBe(documented);
        if (!result.ok) expect(result.reason).toContain('unknown condition operator');
      }),
      { numRuns: 2000 },
    );
    // Both sides of the equivalence must be exercised, or the property proves nothing.
    expect(seen.documented).toBeGreaterThan(400);
    expect(seen.nearMiss).toBeGreaterThan(800);
  });
});
