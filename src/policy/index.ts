/**
 * policy/: the inline session policy, pure. Grant → RAM policy document (built as objects, serialized canonically),
 * its size check against the STS limit and its hash.
 *
 * - buildSessionPolicy   grant → { document, json }; re-checks that every resource stays inside bucket/prefix
 * - canonicalJson        sorted keys, no whitespace: equal grants give byte-equal text
 * - assertPolicyFits     the request-time size check; profileSizeProblems proves each profile's worst case
 * - policyHash           sha256 hex of the canonical text (audit, cache keys)
 * - OPERATION_ACTIONS    operations → OSS actions (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements)
 */
export type { PolicyDocument } from './types.js';
export { buildSessionPolicy } from './build-session-policy.js';
export { assertPolicyConfined } from './assert-confined.js';
export { bucketArn, extensionVariants, objectArn } from './arn.js';
export { canonicalJson } from './canonical-json.js';
export { actionsFor, OPERATION_ACTIONS, type ActionSpec, type ResourceKind } from './oss-actions.js';
export { assertPolicyFits, policyLength, profileSizeProblems, worstCasePolicySize } from './policy-size.js';
export { policyHash } from './policy-hash.js';
