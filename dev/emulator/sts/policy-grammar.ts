/**
 * Grammar check for RAM policy documents as STS applies it to the AssumeRole `Policy` parameter and to the roles the
 * emulator is configured with (InvalidParameter.PolicyGrammar, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)). It delegates to the shared evaluator's
 * parser (dev/emulator/policy/), so the STS emulator refuses exactly what the OSS emulator could not evaluate:
 * unknown elements and operators, Action with NotAction, empty arrays, values of the wrong type, bad CIDRs and dates.
 */
import { CONDITION_OPERATORS, parsePolicy, PolicyGrammarError } from '../policy/index.js';

/** Condition operators documented for RAM (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements), taken from the evaluator's operator table. */
export { CONDITION_OPERATORS };

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

/** Checks an already-parsed policy document; on success returns the document as given (the token seals it). */
export function checkPolicyDocument(doc: unknown): PolicyGrammarResult {
  try {
    parsePolicy(doc);
  } catch (error) {
    if (error instanceof PolicyGrammarError) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, policy: doc as Record<string, unknown> };
}
