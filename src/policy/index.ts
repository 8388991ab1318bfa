/**
 * policy/: the inline session policy, pure. Grant → RAM policy document (built as objects, serialized canonically),
 * its size check against the STS limit and its hash.
 *
 * - buildSessionPolicy   grant → { document, json }; re-checks that every resource stays inside bucket/prefix
 * - canonicalJson        sorted keys, no whitespace: equal grants give byte-equal text
 * - assertPolicyFits     policy_too_large; checkProfileFits for a start-up estimate
 * - policyHash           sha256 hex of the canonical text (audit, cache keys)
 * - OPERATION_ACTIONS    operations → OSS actions (facts C)
 */
export type { PolicyDocument } from './types.js';
export { buildSessionPolicy } from './build-session-policy.js';
export { assertPolicyFits, checkProfileFits } from './policy-size.js';
export { policyHash } from './policy-hash.js';
