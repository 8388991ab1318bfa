/**
 * Grammar check for RAM policy documents (facts C, "Structure" and "Condition"), as STS applies to the AssumeRole
 * `Policy` parameter (InvalidParameter.PolicyGrammar). Pure and dependency-free so it can move to `src/policy/`.
 * Deliberately strict: unknown keys and operators are errors, because a key the evaluator ignores could silently widen
 * what a token may do.
 */

/** Condition operators documented for RAM (facts C). `…IfExists` and `Null` are UNCONFIRMED, hence rejected. */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool',
  'IpAddress', 'NotIpAddress',
]);

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['Version', 'Statement']);
// `Principal` is only for resource-based policies (facts C), never a session policy, so it is not accepted here.
const STATEMENT_KEYS: ReadonlySet<string> = new Set(['Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

export type PolicyGrammarResult = { ok: true; policy: Record<string, unknown> } | { ok: false; reason: string };

/** Parses and checks a policy given as JSON text. */
export function checkPolicyText(text: string): PolicyGrammarResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'Policy is not valid JSON.' };
  }
  return checkPolicyDocument(parsed);
}

/** Checks an already-parsed policy document. */
export function checkPolicyDocument(doc: unknown): PolicyGrammarResult {
  if (!isPlainObject(doc)) return { ok: false, reason: 'Policy must be a JSON object.' };
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) return { ok: false, reason: `Unknown policy element "${key}".` };
  }
  if (doc.Version !== '1') return { ok: false, reason: 'Version must be "1".' };
  const raw = doc.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (statements.length === 0) return { ok: false, reason: 'Statement must be a non-empty array or an object.' };
  for (let i = 0; i < statements.length; i++) {
    const reason = checkStatement(statements[i]);
    if (reason) return { ok: false, reason: `Statement[${i}]: ${reason}` };
  }
  return { ok: true, policy: doc };
}

function checkStatement(st: unknown): string | null {
  if (!isPlainObject(st)) return 'a statement must be an object.';
  for (const key of Object.keys(st)) {
    if (!STATEMENT_KEYS.has(key)) return `unknown element "${key}".`;
  }
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return 'Effect must be "Allow" or "Deny".';
  const actionReason = exactlyOne(st, 'Action', 'NotAction', isActionPattern);
  if (actionReason) return actionReason;
  const resourceReason = exactlyOne(st, 'Resource', 'NotResource', (s) => s.length > 0);
  if (resourceReason) return resourceReason;
  if ('Condition' in st) return checkCondition(st.Condition);
  return null;
}

/** `*` or `<service>:<ApiName>` with wildcards (facts C, "Action form"). */
function isActionPattern(s: string): boolean {
  return s === '*' || /^[A-Za-z0-9*?_-]+:[A-Za-z0-9*?_-]+$/.test(s);
}

function exactlyOne(
  st: Record<string, unknown>,
  name: string,
  notName: string,
  valid: (s: string) => boolean,
): string | null {
  const has = name in st;
  const hasNot = notName in st;
  if (has === hasNot) return `exactly one of ${name} or ${notName} is required.`;
  const key = has ? name : notName;
  const values = stringOrStringArray(st[key]);
  if (!values) return `${key} must be a non-empty string or a non-empty array of strings.`;
  const bad = values.find((v) => !valid(v));
  if (bad !== undefined) return `${key} value "${bad}" is not valid.`;
  return null;
}

function checkCondition(cond: unknown): string | null {
  if (!isPlainObject(cond) || Object.keys(cond).length === 0) return 'Condition must be a non-empty object.';
  for (const [operator, block] of Object.entries(cond)) {
    if (!CONDITION_OPERATORS.has(operator)) return `unknown condition operator "${operator}".`;
    if (!isPlainObject(block) || Object.keys(block).length === 0) {
      return `condition operator "${operator}" needs a non-empty object of keys.`;
    }
    for (const [key, value] of Object.entries(block)) {
      if (key.length === 0) return `condition operator "${operator}" has an empty key.`;
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || !values.every(isConditionScalar)) {
        return `condition "${operator}" key "${key}" needs a string, number or boolean, or a non-empty array of them.`;
      }
    }
  }
  return null;
}

function isConditionScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function stringOrStringArray(v: unknown): string[] | null {
  if (typeof v === 'string') return v.length > 0 ? [v] : null;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0)) return v as string[];
  return null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
