/**
 * The business half of AssumeRole: role lookup, trust, the role's session limit, then fresh temporary credentials
 * with a sealed SecurityToken, in the response shape of https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole.
 */
import { randomBytes } from 'node:crypto';
import { MIN_DURATION_SECONDS, type AssumeRoleInput } from './assume-role-params.js';
import type { RoleRegistry } from './role-registry.js';
import { sealToken } from './sealed-token.js';
import { errors, newRequestId } from './sts-error.js';
import { formatExpiration } from './time-format.js';
import type { SealedTokenPayload, StsEmulatorClock } from './types.js';

export interface IssueContext {
  roles: RoleRegistry;
  clock: StsEmulatorClock;
  sealKey: Buffer;
}

export interface AssumeRoleResponseBody {
  RequestId: string;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  SourceIdentity?: string;
}

const ALPHANUMERIC = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';

/** Uniform random string over ALPHANUMERIC (rejection sampling avoids modulo bias). */
function randomString(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % ALPHANUMERIC.length)) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Throws StsError: EntityNotExist.Role, NoPermission, InvalidParameter.DurationSeconds. */
export function issueCredentials(input: AssumeRoleInput, callerAccessKeyId: string, ctx: IssueContext): AssumeRoleResponseBody {
  const role = ctx.roles.find(input.accountId, input.roleName);
  if (!role) throw errors.roleNotFound();
  // The trust policy must trust the caller (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole, C "Evaluation" point 6).
  if (role.trustedAccessKeyIds && !role.trustedAccessKeyIds.has(callerAccessKeyId)) throw errors.noPermission();
  if (input.durationSeconds < MIN_DURATION_SECONDS || input.durationSeconds > role.maxSessionDurationSeconds) {
    throw errors.durationSeconds(role.maxSessionDurationSeconds);
  }

  const issuedAt = ctx.clock.now();
  // Whole seconds, so the sealed expiry equals the Expiration string the client sees.
  const expiresAt = Math.floor((issuedAt + input.durationSeconds * 1000) / 1000) * 1000;
  // Shapes follow doc examples: `STS.` + alphanumerics for the id, a longer secret (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
  const accessKeyId = `STS.${randomString(25)}`;
  const accessKeySecret = randomString(44);
  const payload: SealedTokenPayload = {
    v: 1,
    accessKeyId,
    accessKeySecret,
    roleArn: role.arn,
    roleSessionName: input.roleSessionName,
    ...(input.sourceIdentity === undefined ? {} : { sourceIdentity: input.sourceIdentity }),
    sessionPolicy: input.sessionPolicy,
    rolePolicy: role.policy,
    expiresAt,
    issuedAt,
  };
  const body: AssumeRoleResponseBody = {
    RequestId: newRequestId(),
    AssumedRoleUser: {
      AssumedRoleId: `${role.roleId}:${input.roleSessionName}`,
      // Current ARN form `acs:ram::<acct>:role/<roleName>/<session>` (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole), role name as configured.
      Arn: `${role.arn}/${input.roleSessionName}`,
    },
    Credentials: {
      AccessKeyId: accessKeyId,
      AccessKeySecret: accessKeySecret,
      SecurityToken: sealToken(payload, ctx.sealKey),
      Expiration: formatExpiration(expiresAt),
    },
  };
  // A top-level field of the answer, beside AssumedRoleUser (the SDK model: AssumeRoleResponseBody.sourceIdentity).
  if (input.sourceIdentity !== undefined) body.SourceIdentity = input.sourceIdentity;
  return body;
}
