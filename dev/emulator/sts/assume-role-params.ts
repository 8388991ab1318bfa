/**
 * Syntactic validation of AssumeRole parameters (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole), before any role lookup. Role-dependent checks (existence,
 * trust, the role's MaxSessionDuration) are in issue-credentials.ts.
 */
import { checkPolicyText } from './policy-grammar.js';
import { errors } from './sts-error.js';

/** `acs:ram::<accountId>:role/<roleName>` (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). RAM role names: letters, digits, `.`, `-` (we also allow `_` `@`), ≤ 64. */
const ROLE_ARN = /^acs:ram::(\d{1,32}):role\/([A-Za-z0-9.@_-]{1,64})$/;
/** 2–64 of letters, digits, `.` `@` `-` `_`; current docs say 64, older 32 (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
const ROLE_SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
/** 2–1224 of `[\w+=,.@:/-]` (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/**
 * SourceIdentity: Alibaba documents no length or character set for it (neither the AssumeRole reference above nor
 * https://www.alibabacloud.com/help/en/ram/user-guide/session-tagging-and-fine-grained-access-control-for-assumed-roles-using-sourceidentity),
 * so the emulator holds it to the conservative rule the broker promises (src/rules/source-identity.ts): 2-64 of the
 * RoleSessionName set, which is inside AWS's documented `[\w+=,.@-]`. Stricter than the real service may be, never
 * laxer than what the broker sends. The error code is UNCONFIRMED, in the form of its documented siblings.
 */
const SOURCE_IDENTITY = /^[A-Za-z0-9.@_-]{2,64}$/;

export const MIN_DURATION_SECONDS = 900;
const DEFAULT_DURATION_SECONDS = 3600;
/** The largest MaxSessionDuration a role may have (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
export const MAX_ROLE_SESSION_SECONDS = 43200;

export interface AssumeRoleInput {
  roleArn: string;
  accountId: string;
  roleName: string;
  roleSessionName: string;
  /** Defaulted to 3600 when absent; its range is checked against the role's maximum later. */
  durationSeconds: number;
  /** The parsed session policy, or null when the caller sent none. */
  sessionPolicy: Record<string, unknown> | null;
  externalId?: string;
  sourceIdentity?: string;
}

export function parseRoleArn(arn: string): { accountId: string; roleName: string } | null {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1] as string, roleName: m[2] as string } : null;
}

/** Throws StsError for the first problem found, in the order a caller would fix them. */
export function validateAssumeRoleParams(params: Record<string, string>, policyMaxChars: number): AssumeRoleInput {
  const roleArn = params.RoleArn;
  if (roleArn === undefined || roleArn === '') throw errors.missing('RoleArn');
  const arn = parseRoleArn(roleArn);
  if (!arn) throw errors.roleArn();

  const roleSessionName = params.RoleSessionName;
  if (roleSessionName === undefined || roleSessionName === '') throw errors.missing('RoleSessionName');
  if (!ROLE_SESSION_NAME.test(roleSessionName)) throw errors.roleSessionName();

  const durationSeconds = parseDuration(params.DurationSeconds);

  let sessionPolicy: Record<string, unknown> | null = null;
  if (params.Policy !== undefined) {
    // An empty Policy is refused rather than treated as "no policy": a broker that sends '' by mistake would
    // otherwise receive the role's full permissions (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole: without Policy the token gets everything).
    const chars = [...params.Policy].length;
    if (chars > policyMaxChars) throw errors.policySize(policyMaxChars);
    if (chars === 0) throw errors.policyGrammar('Policy must not be empty.');
    const result = checkPolicyText(params.Policy);
    if (!result.ok) throw errors.policyGrammar(result.reason);
    sessionPolicy = result.policy;
  }

  const externalId = params.ExternalId;
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) throw errors.externalId();

  const sourceIdentity = params.SourceIdentity;
  if (sourceIdentity !== undefined && !SOURCE_IDENTITY.test(sourceIdentity)) {
    throw errors.invalidParameter('SourceIdentity');
  }

  return {
    roleArn,
    accountId: arn.accountId,
    roleName: arn.roleName,
    roleSessionName,
    durationSeconds,
    sessionPolicy,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  };
}

/**
 * Only the form is checked here. The range 900..MaxSessionDuration depends on the role and is checked once the role
 * is known, so the error message can state that role's maximum.
 */
function parseDuration(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DURATION_SECONDS;
  if (!/^\d{1,9}$/.test(value)) throw errors.durationSeconds(DEFAULT_DURATION_SECONDS);
  return Number(value);
}
