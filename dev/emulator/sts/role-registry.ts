/**
 * The roles the emulator can assume, validated once at start-up so a bad local configuration fails loudly instead of
 * producing odd STS answers later.
 */
import { createHash } from 'node:crypto';
import { MAX_ROLE_SESSION_SECONDS, parseRoleArn } from './assume-role-params.js';
import { checkPolicyDocument } from './policy-grammar.js';
import type { EmulatorRole } from './types.js';

/** MaxSessionDuration range of a RAM role (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
const MIN_ROLE_MAX_SESSION = 3600;

export interface RegisteredRole {
  arn: string;
  accountId: string;
  roleName: string;
  /** Stable numeric id, used in AssumedRoleId `<roleId>:<session>` (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
  roleId: string;
  maxSessionDurationSeconds: number;
  policy: object | null;
  /** null means every configured access key is trusted. */
  trustedAccessKeyIds: ReadonlySet<string> | null;
}

export class RoleRegistry {
  private readonly byKey = new Map<string, RegisteredRole>();

  constructor(roles: EmulatorRole[]) {
    for (const role of roles) {
      const registered = register(role);
      const key = lookupKey(registered.accountId, registered.roleName);
      if (this.byKey.has(key)) throw new Error(`STS emulator: duplicate role ${role.arn}`);
      this.byKey.set(key, registered);
    }
  }

  find(accountId: string, roleName: string): RegisteredRole | undefined {
    return this.byKey.get(lookupKey(accountId, roleName));
  }
}

/** RAM role names are matched case-insensitively (UNCONFIRMED; doc examples show lower-cased names in ARNs). */
function lookupKey(accountId: string, roleName: string): string {
  return `${accountId}:${roleName.toLowerCase()}`;
}

function register(role: EmulatorRole): RegisteredRole {
  const parsed = parseRoleArn(role.arn);
  if (!parsed) throw new Error(`STS emulator: role ARN is not acs:ram::<account>:role/<name>: ${role.arn}`);
  const max = role.maxSessionDurationSeconds ?? MIN_ROLE_MAX_SESSION;
  if (!Number.isInteger(max) || max < MIN_ROLE_MAX_SESSION || max > MAX_ROLE_SESSION_SECONDS) {
    throw new Error(`STS emulator: maxSessionDurationSeconds must be an integer in 3600..43200 for ${role.arn}`);
  }
  if (role.policy !== undefined) {
    const check = checkPolicyDocument(role.policy);
    if (!check.ok) throw new Error(`STS emulator: policy of ${role.arn} is invalid: ${check.reason}`);
  }
  return {
    arn: role.arn,
    accountId: parsed.accountId,
    roleName: parsed.roleName,
    roleId: roleIdFor(parsed.accountId, parsed.roleName),
    maxSessionDurationSeconds: max,
    policy: role.policy ?? null,
    trustedAccessKeyIds: role.trustedAccessKeyIds ? new Set(role.trustedAccessKeyIds) : null,
  };
}

/** Deterministic 19-digit id derived from the ARN, shaped like real RAM role ids. */
function roleIdFor(accountId: string, roleName: string): string {
  const digest = createHash('sha256').update(lookupKey(accountId, roleName)).digest();
  return '3' + (digest.readBigUInt64BE(0) % 10n ** 18n).toString().padStart(18, '0');
}
