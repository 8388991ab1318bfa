/**
 * A statement's Condition block (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition"): `{Operator: {Key: value | [values]}}`.
 * - several values for one key are ORed;
 * - several keys under one operator are ANDed;
 * - all operators of the block are ANDed.
 * Key names are case-insensitive in RAM, so they are compared lower-cased against the request context.
 *
 * A request value set (a context key may carry several values) satisfies a positive operator when ANY request value
 * matches ANY policy value; a negated operator (StringNotEquals, NotIpAddress, …) holds exactly when its positive form
 * does not.
 *
 * Missing keys (the request has no value for the key, or an empty list):
 * - a positive operator does not hold - an absent fact never satisfies "equals", "like", "in this CIDR", ….
 * - a negated operator HOLDS. This is AWS IAM's documented rule; RAM's docs do not say (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements leaves it open), and
 *   we pick it because (1) RAM's own examples put negated operators in Deny statements ("Deny … NotIpAddress
 *   acs:SourceIp", https://www.alibabacloud.com/help/doc-detail/141577.htm), where holding on a missing key fails
 *   closed: a request that cannot show its source address is denied; (2) in an Allow statement it is the permissive
 *   reading, so the OSS emulator, used as a test oracle, never refuses something the real service might allow and a
 *   confinement test that passes here is not relying on a stricter rule than RAM's; (3) the broker's own session
 *   policies use only positive operators (IpAddress, Bool, StringLike), so their confinement never depends on it.
 */
import { PolicyGrammarError } from './errors.js';
import { conditionOperator, type ValueTest } from './condition-operators.js';
import type { NormalizedContext } from './request.js';

export interface ParsedCondition {
  /** The operator name as written, e.g. `StringLike`. */
  readonly operator: string;
  /** The key as written, e.g. `oss:Prefix`. */
  readonly key: string;
  readonly negated: boolean;
  /** One test per policy value (ORed). */
  readonly tests: readonly ValueTest[];
}

export function parseConditionBlock(raw: unknown): readonly ParsedCondition[] {
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) {
    throw new PolicyGrammarError('Condition must be a non-empty object.');
  }
  const conditions: ParsedCondition[] = [];
  for (const [operator, block] of Object.entries(raw)) {
    const spec = conditionOperator(operator);
    if (spec === undefined) throw new PolicyGrammarError(`unknown condition operator "${operator}".`);
    if (!isPlainObject(block) || Object.keys(block).length === 0) {
      throw new PolicyGrammarError(`condition operator "${operator}" needs a non-empty object of keys.`);
    }
    for (const [key, value] of Object.entries(block)) {
      if (key.length === 0) throw new PolicyGrammarError(`condition operator "${operator}" has an empty key.`);
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (values.length === 0) {
        throw new PolicyGrammarError(`condition "${operator}" key "${key}" has an empty list of values.`);
      }
      const tests = values.map((v) => {
        const test = spec.compile(v);
        if (test === null) {
          throw new PolicyGrammarError(
            `condition "${operator}" key "${key}": value ${describe(v)} is not valid; expected ${spec.expects}.`,
          );
        }
        return test;
      });
      conditions.push(Object.freeze({ operator, key, negated: spec.negated, tests: Object.freeze(tests) }));
    }
  }
  return Object.freeze(conditions);
}

/** True when every condition holds for the request context (an empty list always holds). */
export function conditionsHold(conditions: readonly ParsedCondition[], context: NormalizedContext): boolean {
  return conditions.every((condition) => conditionHolds(condition, context));
}

function conditionHolds(condition: ParsedCondition, context: NormalizedContext): boolean {
  const values = context.get(condition.key.toLowerCase());
  if (values === undefined) return condition.negated; // missing key: see the module comment
  const positive = values.some((value) => condition.tests.some((test) => test(value)));
  return condition.negated ? !positive : positive;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
