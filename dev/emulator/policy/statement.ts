/**
 * One statement (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure"): Effect, exactly one of Action/NotAction, exactly one of Resource/NotResource,
 * an optional Condition. Any other element is a grammar error: `Principal` belongs to resource-based policies (trust
 * and bucket policies), never to a session or role policy, and a key the evaluator ignored (`Sid`, a typo such as
 * `Conditions`) could silently widen what a token may do.
 */
import { conditionsHold, isPlainObject, parseConditionBlock, type ParsedCondition } from './condition.js';
import { PolicyGrammarError } from './errors.js';
import { parsePatternSet, patternSetMatches, type PatternSet } from './pattern-set.js';
import type { NormalizedContext } from './request.js';

type Effect = 'Allow' | 'Deny';

export interface ParsedStatement {
  readonly effect: Effect;
  readonly actions: PatternSet;
  readonly resources: PatternSet;
  /** ANDed; empty when the statement has no Condition. */
  readonly conditions: readonly ParsedCondition[];
}

const STATEMENT_KEYS: ReadonlySet<string> = new Set(['Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

export function parseStatement(raw: unknown): ParsedStatement {
  if (!isPlainObject(raw)) throw new PolicyGrammarError('a statement must be an object.');
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) throw new PolicyGrammarError(`unknown element "${key}".`);
  }
  const effect = raw.Effect;
  // Case-sensitive, as the docs write it: `allow` is refused rather than guessed.
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyGrammarError('Effect must be "Allow" or "Deny".');
  const actions = parsePatternSet(raw, 'Action');
  const resources = parsePatternSet(raw, 'Resource');
  const conditions = Object.hasOwn(raw, 'Condition') ? parseConditionBlock(raw.Condition) : Object.freeze([]);
  return Object.freeze({ effect, actions, resources, conditions });
}

/** Whether the statement covers the request: its action, its resource and every condition. */
export function statementApplies(statement: ParsedStatement, action: string, resource: string, context: NormalizedContext): boolean {
  return (
    patternSetMatches(statement.actions, action) &&
    patternSetMatches(statement.resources, resource) &&
    conditionsHold(statement.conditions, context)
  );
}
