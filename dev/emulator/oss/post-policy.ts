/**
 * The PostObject policy document ("Appendix: Policy" of
 * https://github.com/AlibabaCloudDocs/oss/blob/master/intl.en-US/API%20Reference/Object%20operations/Basic%20operations/PostObject.md):
 * base64 UTF-8 JSON `{expiration, conditions}`; conditions are `{"field": "value"}` exact matches
 * or lists `["eq"|"starts-with", "$field", v]`, `["in"|"not-in", "$field", [..]]`, `["content-length-range", min, max]`.
 * - Grammar errors → InvalidPolicyDocument (EC 0006-00000201/206/207/214/215/216/218/222): among them a top-level
 *   member other than expiration and conditions (https://help.aliyun.com/en/oss/user-guide/0006-00000206) and an
 *   empty conditions list (https://help.aliyun.com/en/oss/user-guide/0006-00000215).
 * - A failed condition → AccessDenied "Invalid according to Policy: Policy Condition failed: <condition>"
 *   (EC 0006-00000227); a condition on a field the form does not carry fails too (EC 0006-00000226,
 *   https://help.aliyun.com/en/oss/user-guide/0006-00000226), whatever the operator.
 * - Sizes → EntityTooLarge / EntityTooSmall.
 * - Any form field may be conditioned, `callback` and `x:` variables included: Alibaba's callback page shows a policy
 *   pinning `{"callback": "<base64>"}` and says the callback is checked only when the policy names it ("You can also
 *   add callback conditions to the policy", step 2 of
 *   https://github.com/AlibabaCloudDocs/oss/blob/master/intl.en-US/API%20Reference/Object%20operations/Basic%20operations/Callback.md).
 *   So a form whose policy pins the callback cannot drop or change it.
 * - Fields the policy does not mention are accepted (the documented sample request carries x-oss-meta-* and
 *   success_action_status fields its policy never names), except the fields `mustCover` lists: for V4, OSS answers
 *   "Invalid according to Policy: Extra input fields: <field>" (EC 0006-00000228,
 *   https://help.aliyun.com/zh/oss/user-guide/0006-00000228) when the signature fields are not in the policy.
 */
import { ERRORS, ossError } from './oss-error.js';

export interface PostPolicyInput {
  /** Lower-cased form fields, plus `bucket`. */
  fields: ReadonlyMap<string, string>;
  fileSize: number;
  nowMs: number;
  /** Form fields that must be named by some condition when present (lower-case). */
  mustCover?: readonly string[];
}

const TOP_LEVEL = new Set(['expiration', 'conditions']);

function invalid(message: string): never {
  throw ossError(ERRORS.invalidPolicyDocument, {}, `Invalid Policy: ${message}`);
}

/** The condition as OSS prints it in the error message: `["eq", "$key", "a"]`. */
function show(condition: unknown): string {
  if (Array.isArray(condition)) return `[${condition.map((c) => JSON.stringify(c)).join(', ')}]`;
  return JSON.stringify(condition);
}

function fieldName(ref: unknown): string {
  if (typeof ref !== 'string' || ref === '') invalid('Invalid Condition: field reference must be a string.');
  return (ref.startsWith('$') ? ref.slice(1) : ref).toLowerCase();
}

function decodePolicy(base64: string): { expiration: string; conditions: unknown[] } {
  let doc: unknown;
  try {
    const text = Buffer.from(base64, 'base64').toString('utf8');
    doc = JSON.parse(text);
  } catch {
    invalid('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) invalid('Invalid JSON.');
  const d = doc as Record<string, unknown>;
  if (typeof d.expiration !== 'string') invalid('Policy missing expiration.');
  if (!('conditions' in d)) invalid('Policy missing conditions.');
  if (!Array.isArray(d.conditions)) invalid('Invalid Conditions: conditions must be a list.');
  if (d.conditions.length === 0) invalid('Invalid Conditions: conditions must not be empty.');
  const unknown = Object.keys(d).find((k) => !TOP_LEVEL.has(k));
  if (unknown !== undefined) invalid(`Unexpected field ${JSON.stringify(unknown)}.`);
  return { expiration: d.expiration, conditions: d.conditions };
}

/** Throws on an expired policy, a malformed condition, or a condition the form does not satisfy. */
export function checkPostPolicy(policyBase64: string, input: PostPolicyInput): void {
  const { expiration, conditions } = decodePolicy(policyBase64);
  const expires = Date.parse(expiration);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(expiration) || !Number.isFinite(expires)) invalid('Invalid expiration.');
  if (expires <= input.nowMs) throw ossError(ERRORS.postPolicyExpired);
  const named = new Set<string>();
  const fail = (condition: unknown, ec = '0006-00000227'): never => {
    throw ossError(ERRORS.postPolicyFailed, { EC: ec }, `${ERRORS.postPolicyFailed.message}${show(condition)}`);
  };
  const value = (name: string, condition: unknown): string => {
    named.add(name);
    const v = input.fields.get(name);
    return v === undefined ? fail(condition, '0006-00000226') : v;
  };
  for (const condition of conditions) {
    if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
      const entries = Object.entries(condition);
      if (entries.length !== 1) invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
      const [name, expected] = entries[0] as [string, unknown];
      if (typeof expected !== 'string') invalid('Invalid Simple-Condition: value must be a string.');
      if (value(name.toLowerCase(), condition) !== expected) fail(condition);
      continue;
    }
    if (!Array.isArray(condition) || condition.length === 0) invalid('Invalid Condition: conditions must be maps or lists.');
    const [op, a, b] = condition as unknown[];
    const operator = typeof op === 'string' ? op.toLowerCase() : '';
    if (operator === 'content-length-range') {
      if (condition.length !== 3 || !Number.isInteger(Number(a)) || !Number.isInteger(Number(b))) {
        invalid('Invalid content-length-range.');
      }
      if (input.fileSize > Number(b))
        throw ossError(ERRORS.entityTooLarge, { MaxSizeAllowed: String(b), ProposedSize: String(input.fileSize) });
      if (input.fileSize < Number(a))
        throw ossError(ERRORS.entityTooSmall, { MinSizeAllowed: String(a), ProposedSize: String(input.fileSize) });
      continue;
    }
    if (condition.length !== 3) invalid(`Invalid Condition: ${show(condition)}`);
    if (!['eq', 'starts-with', 'in', 'not-in'].includes(operator))
      invalid(`Invalid Condition: unknown matching mode ${JSON.stringify(op)}.`);
    const listOperator = operator === 'in' || operator === 'not-in';
    if (listOperator ? !Array.isArray(b) || !b.every((v) => typeof v === 'string') : typeof b !== 'string') {
      invalid(`Invalid Condition: ${show(condition)}`);
    }
    const actual = value(fieldName(a), condition);
    if (operator === 'eq' && actual !== b) fail(condition);
    if (operator === 'starts-with' && !actual.startsWith(b as string)) fail(condition);
    if (listOperator && (b as string[]).includes(actual) !== (operator === 'in')) fail(condition);
  }
  // Reported one at a time, the first in alphabetical order, as the documented example names x-oss-credential.
  const extra = [...(input.mustCover ?? [])].sort().find((name) => input.fields.has(name) && !named.has(name));
  if (extra !== undefined) {
    throw ossError(ERRORS.postExtraFields, { EC: '0006-00000228' }, `${ERRORS.postExtraFields.message}${extra}`);
  }
}
