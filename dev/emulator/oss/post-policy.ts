/**
 * The PostObject policy document (facts D5): base64 UTF-8 JSON `{expiration, conditions}`; conditions are
 * `{"field": "value"}` exact matches or lists `["eq"|"starts-with", "$field", v]`, `["in"|"not-in", "$field", [..]]`,
 * `["content-length-range", min, max]`. Grammar errors → InvalidPolicyDocument (EC 0006-00000201/207/214/216/218/222);
 * a failed condition → AccessDenied "Invalid according to Policy: Policy Condition failed: <condition>"
 * (EC 0006-00000227); sizes → EntityTooLarge / EntityTooSmall.
 */
import { ERRORS, ossError } from './oss-error.js';

export interface PostPolicyInput {
  /** Lower-cased form fields, plus `bucket`. */
  fields: ReadonlyMap<string, string>;
  fileSize: number;
  nowMs: number;
}

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
  return { expiration: d.expiration, conditions: d.conditions };
}

/** Throws on an expired policy, a malformed condition, or a condition the form does not satisfy. */
export function checkPostPolicy(policyBase64: string, input: PostPolicyInput): void {
  const { expiration, conditions } = decodePolicy(policyBase64);
  const expires = Date.parse(expiration);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(expiration) || !Number.isFinite(expires)) invalid('Invalid expiration.');
  if (expires <= input.nowMs) throw ossError(ERRORS.postPolicyExpired);
  const value = (name: string) => input.fields.get(name) ?? '';
  const fail = (condition: unknown): never => {
    throw ossError(ERRORS.postPolicyFailed, {}, `${ERRORS.postPolicyFailed.message}${show(condition)}`);
  };
  for (const condition of conditions) {
    if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
      const entries = Object.entries(condition);
      if (entries.length !== 1) invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
      const [name, expected] = entries[0] as [string, unknown];
      if (typeof expected !== 'string') invalid('Invalid Simple-Condition: value must be a string.');
      if (value(name.toLowerCase()) !== expected) fail(condition);
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
    const actual = value(fieldName(a));
    if (operator === 'eq') {
      if (typeof b !== 'string') invalid(`Invalid Condition: ${show(condition)}`);
      if (actual !== b) fail(condition);
    } else if (operator === 'starts-with') {
      if (typeof b !== 'string') invalid(`Invalid Condition: ${show(condition)}`);
      if (!actual.startsWith(b)) fail(condition);
    } else if (operator === 'in' || operator === 'not-in') {
      if (!Array.isArray(b) || !b.every((v) => typeof v === 'string')) invalid(`Invalid Condition: ${show(condition)}`);
      if (b.includes(actual) !== (operator === 'in')) fail(condition);
    } else {
      invalid(`Invalid Condition: unknown matching mode ${JSON.stringify(op)}.`);
    }
  }
}
