/**
 * A role session's effective permission (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation"): the session policy, when the token was issued with
 * one, ∩ the role's own policy - "permissions that are included in the value of this parameter and owned by the RAM
 * role" (sts-sdk model doc; https://help.aliyun.com/document_detail/42775.html).
 *
 * - An explicit Deny in either policy wins (any explicit deny denies, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements step 4).
 * - sessionPolicy null: the token was issued without `Policy`, so the role's policy alone decides.
 * - rolePolicy null: a role with no policy attached grants nothing, so the result is at best an implicit deny -
 *   but a Deny in the session policy is still reported as explicit.
 * - Allow only when both allow (a session policy can only narrow, never widen, what the role has).
 */
import { decide, type ParsedPolicy } from './policy.js';
import { normalizeContext, type AccessRequest, type Decision } from './request.js';

export function evaluateSession(
  input: { sessionPolicy: ParsedPolicy | null; rolePolicy: ParsedPolicy | null },
  request: AccessRequest,
): Decision {
  const context = normalizeContext(request.context);
  const session = input.sessionPolicy === null ? null : decide(input.sessionPolicy, request, context);
  const role = input.rolePolicy === null ? 'implicit_deny' : decide(input.rolePolicy, request, context);
  if (session === 'explicit_deny' || role === 'explicit_deny') return 'explicit_deny';
  if (session !== null && session !== 'allow') return 'implicit_deny';
  return role;
}
