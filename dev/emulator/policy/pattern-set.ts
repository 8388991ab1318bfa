/**
 * Action / NotAction and Resource / NotResource of one statement: a list of wildcard patterns, possibly negated.
 *
 * - Actions match case-insensitively: https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Action values are 'in most cases' case-insensitive" [D: 93738]. We
 *   take "always": the emulator is a test oracle for confinement, and the permissive reading never hides a widening.
 * - Resources match case-sensitively, like OSS object keys (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements; the broker lists `.jpg` and `.JPG` for that).
 * - `Not…` elements apply to everything the patterns do NOT match (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure": Action or NotAction).
 */
import { PolicyGrammarError } from './errors.js';
import { WildcardPattern } from './wildcard.js';

export interface PatternSet {
  /** True for NotAction / NotResource. */
  readonly negated: boolean;
  readonly patterns: readonly WildcardPattern[];
}

export function patternSetMatches(set: PatternSet, value: string): boolean {
  const hit = set.patterns.some((pattern) => pattern.matches(value));
  return set.negated ? !hit : hit;
}

/** `*` or `<service>:<ApiName>`, each part made of name characters and wildcards (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Action form"). */
const ACTION_FORM = /^[A-Za-z0-9*?_-]+:[A-Za-z0-9*?_-]+$/;

type Element = 'Action' | 'Resource';

/** Reads `Action`/`NotAction` (or `Resource`/`NotResource`) from a statement: exactly one, string or string array. */
export function parsePatternSet(statement: Readonly<Record<string, unknown>>, element: Element): PatternSet {
  const notElement = `Not${element}`;
  const has = Object.hasOwn(statement, element);
  const hasNot = Object.hasOwn(statement, notElement);
  if (has === hasNot) throw new PolicyGrammarError(`exactly one of ${element} or ${notElement} is required.`);
  const name = has ? element : notElement;
  const values = nonEmptyStrings(statement[name], name);
  const patterns = values.map((value) => {
    if (element === 'Action' && value !== '*' && !ACTION_FORM.test(value)) {
      throw new PolicyGrammarError(`${name} value "${value}" is not valid.`);
    }
    return new WildcardPattern(value, { ignoreCase: element === 'Action' });
  });
  return Object.freeze({ negated: hasNot, patterns: Object.freeze(patterns) });
}

/** A non-empty string or a non-empty array of non-empty strings (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements: "a string or an array"). */
function nonEmptyStrings(raw: unknown, name: string): string[] {
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : null;
  if (values === null || values.length === 0 || !values.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new PolicyGrammarError(`${name} must be a non-empty string or a non-empty array of non-empty strings.`);
  }
  return values as string[];
}
