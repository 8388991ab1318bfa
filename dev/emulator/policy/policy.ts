/**
 * A whole policy document (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure"): `{"Version":"1","Statement":[…]}`, parsed once into an immutable
 * form and evaluated with RAM's basic rule (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation"): any matching Deny → explicit deny; otherwise any
 * matching Allow → allow; otherwise implicit deny.
 */
import { isPlainObject } from './condition.js';
import { PolicyGrammarError } from './errors.js';
import { normalizeContext, type AccessRequest, type Decision, type NormalizedContext } from './request.js';
import { parseStatement, statementApplies, type ParsedStatement } from './statement.js';

export interface ParsedPolicy {
  readonly statements: readonly ParsedStatement[];
}

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['Version', 'Statement']);

/** Checks and compiles a policy document (already JSON-parsed). Throws PolicyGrammarError naming the bad element. */
export function parsePolicy(document: unknown): ParsedPolicy {
  if (!isPlainObject(document)) throw new PolicyGrammarError('Policy must be a JSON object.');
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new PolicyGrammarError(`Unknown policy element "${key}".`);
  }
  if (document.Version !== '1') throw new PolicyGrammarError('Version must be "1".');
  const raw = document.Statement;
  // Statement is an array of statements or one statement object (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure").
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicyGrammarError('Statement must be a non-empty array or an object.');
  const statements = list.map((item, index) => {
    try {
      return parseStatement(item);
    } catch (error) {
      if (error instanceof PolicyGrammarError) throw new PolicyGrammarError(`Statement[${index}]: ${error.message}`);
      throw error;
    }
  });
  return Object.freeze({ statements: Object.freeze(statements) });
}

/** `JSON.parse` + parsePolicy; text that is not JSON is a grammar error too (what STS answers for it, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)). */
export function parsePolicyText(text: string): ParsedPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new PolicyGrammarError('Policy is not valid JSON.');
  }
  return parsePolicy(document);
}

export function evaluatePolicy(policy: ParsedPolicy, request: AccessRequest): Decision {
  return decide(policy, request, normalizeContext(request.context));
}

/** The basic rule, with a context already normalized (evaluateSession normalizes once for two policies). */
export function decide(policy: ParsedPolicy, request: AccessRequest, context: NormalizedContext): Decision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!statementApplies(statement, request.action, request.resource, context)) continue;
    if (statement.effect === 'Deny') return 'explicit_deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit_deny';
}
