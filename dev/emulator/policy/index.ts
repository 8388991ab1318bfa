/**
 * dev/emulator/policy/: the RAM policy language (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements), pure and shared by the STS emulator (grammar checks behind
 * InvalidParameter.PolicyGrammar) and the OSS emulator (authorizing every request).
 *
 * - parsePolicy / parsePolicyText   document or JSON text → ParsedPolicy; PolicyGrammarError on anything RAM's
 *                                   grammar does not allow (unknown elements and operators included)
 * - evaluatePolicy                  one policy: explicit deny wins, then allow, else implicit deny
 * - evaluateSession                 session policy ∩ role policy, the permission a role session really has
 * - CONDITION_OPERATORS             the documented operator names (the table is condition-operators.ts)
 * - parseBucketPolicy / bucketPolicyDenies   bucket policies: the grammar with `Principal`, and their Deny statements
 *
 * Matching rules: Action case-insensitive, Resource case-sensitive, `*` / `?` wildcards (`*` crosses `/`); condition
 * keys case-insensitive; a negated operator holds when its key is missing (condition.ts says why).
 */
export { PolicyGrammarError } from './errors.js';
export { evaluatePolicy, parsePolicy, parsePolicyText, type ParsedPolicy } from './policy.js';
export { evaluateSession } from './session.js';
export type { AccessRequest, ContextValue, Decision } from './request.js';
export { CONDITION_OPERATORS } from './condition-operators.js';
export { bucketPolicyDenies, parseBucketPolicy, type BucketPolicyCaller, type ParsedBucketPolicy } from './bucket-policy.js';
