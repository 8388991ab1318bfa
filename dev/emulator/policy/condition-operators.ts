/**
 * The condition operator table (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition", https://www.alibabacloud.com/help/en/ram/conditional-operator):
 * name → how to compile one policy value into a test of one request value. An operator not in this table is a
 * grammar error at parse time; `…IfExists` and `Null` are UNCONFIRMED for RAM (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements, G) and so are refused.
 *
 * Negated operators (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike, NumericNotEquals, DateNotEquals,
 * NotIpAddress) are stored as their positive test plus `negated: true`; condition.ts applies the negation, and with
 * it the rule for a missing key (see there).
 */
import type { ConditionOperator } from '../../../src/policy/types.js';
import { addressForms, cidrContains, parseCidr } from './ip-address.js';
import { parseBool, parseDate, parseNumber } from './values.js';
import { WildcardPattern } from './wildcard.js';

/** Does one request context value satisfy one policy value? */
export type ValueTest = (contextValue: string) => boolean;

export interface OperatorSpec {
  readonly negated: boolean;
  /** What a policy value must be, for grammar error messages. */
  readonly expects: string;
  /** The test for one policy value, or null when the value is not of the operator's type. */
  compile(policyValue: unknown): ValueTest | null;
}

type Compare = (request: number, policy: number) => boolean;

const STRING = 'a string';
const eq: Compare = (a, b) => a === b;
const lt: Compare = (a, b) => a < b;
const le: Compare = (a, b) => a <= b;
const gt: Compare = (a, b) => a > b;
const ge: Compare = (a, b) => a >= b;

function stringOp(negated: boolean, make: (value: string) => ValueTest): OperatorSpec {
  return { negated, expects: STRING, compile: (v) => (typeof v === 'string' ? make(v) : null) };
}

function typedOp(negated: boolean, expects: string, parse: (raw: unknown) => number | null, cmp: Compare): OperatorSpec {
  return {
    negated,
    expects,
    compile(policyValue) {
      const bound = parse(policyValue);
      if (bound === null) return null;
      return (contextValue) => {
        const value = parse(contextValue);
        return value !== null && cmp(value, bound);
      };
    },
  };
}

const NUMBER = 'a number (JSON number or decimal string)';
const numericOp = (negated: boolean, cmp: Compare) => typedOp(negated, NUMBER, parseNumber, cmp);
const DATE = 'an ISO-8601 date-time or epoch seconds';
const dateOp = (negated: boolean, cmp: Compare) => typedOp(negated, DATE, parseDate, cmp);

const equals =
  (v: string): ValueTest =>
  (c) =>
    c === v;
const equalsIgnoreCase = (v: string): ValueTest => {
  const lower = v.toLowerCase();
  return (c) => c.toLowerCase() === lower;
};
const like = (v: string): ValueTest => {
  const pattern = new WildcardPattern(v, { ignoreCase: false });
  return (c) => pattern.matches(c);
};

function ipOp(negated: boolean): OperatorSpec {
  return {
    negated,
    expects: 'an IPv4 or IPv6 address or CIDR block',
    compile(policyValue) {
      const block = typeof policyValue === 'string' ? parseCidr(policyValue) : null;
      if (block === null) return null;
      return (contextValue) => addressForms(contextValue).some((address) => cidrContains(block, address));
    },
  };
}

const boolOp: OperatorSpec = {
  negated: false,
  expects: '"true" or "false"',
  compile(policyValue) {
    const expected = parseBool(policyValue);
    if (expected === null) return null;
    return (contextValue) => parseBool(contextValue) === expected;
  },
};

const TABLE = {
  StringEquals: stringOp(false, equals),
  StringNotEquals: stringOp(true, equals),
  StringEqualsIgnoreCase: stringOp(false, equalsIgnoreCase),
  StringNotEqualsIgnoreCase: stringOp(true, equalsIgnoreCase),
  StringLike: stringOp(false, like),
  StringNotLike: stringOp(true, like),
  NumericEquals: numericOp(false, eq),
  NumericNotEquals: numericOp(true, eq),
  NumericLessThan: numericOp(false, lt),
  NumericLessThanEquals: numericOp(false, le),
  NumericGreaterThan: numericOp(false, gt),
  NumericGreaterThanEquals: numericOp(false, ge),
  DateEquals: dateOp(false, eq),
  DateNotEquals: dateOp(true, eq),
  DateLessThan: dateOp(false, lt),
  DateLessThanEquals: dateOp(false, le),
  DateGreaterThan: dateOp(false, gt),
  DateGreaterThanEquals: dateOp(false, ge),
  Bool: boolOp,
  IpAddress: ipOp(false),
  NotIpAddress: ipOp(true),
} satisfies Record<ConditionOperator, OperatorSpec>;

/** A Map, not the object: a lookup must never find `constructor` or `__proto__` on a prototype. */
const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map(Object.entries(TABLE));

/** Every operator name RAM documents, exactly as spelled (operator names are case-sensitive here). */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set(OPERATORS.keys());

export function conditionOperator(name: string): OperatorSpec | undefined {
  return OPERATORS.get(name);
}
