/**
 * GetCallerIdentity: who signed the request. No parameters, no RAM permission needed, and not AssumeRole (so not
 * under AssumeRole's per-account rate), which is why the broker's readiness check uses it. Response fields as in
 * https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity; the emulator's
 * callers are AccessKey pairs, so the identity is always a RAM user.
 */
import { createHash } from 'node:crypto';
import { newRequestId } from './sts-error.js';

export interface CallerIdentityBody {
  RequestId: string;
  IdentityType: 'RAMUser';
  AccountId: string;
  PrincipalId: string;
  UserId: string;
  Arn: string;
}

export interface EmulatedUser {
  accountId: string;
  userName: string;
}

/** A stable 16-digit id for an AccessKey's user, the shape of the documented examples. */
function numericId(accessKeyId: string): string {
  const digest = createHash('sha256').update(accessKeyId, 'utf8').digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '1');
}

export function callerIdentity(accessKeyId: string, user: EmulatedUser): CallerIdentityBody {
  const userId = numericId(accessKeyId);
  return {
    RequestId: newRequestId(),
    IdentityType: 'RAMUser',
    AccountId: user.accountId,
    PrincipalId: userId,
    UserId: userId,
    Arn: `acs:ram::${user.accountId}:user/${user.userName}`,
  };
}
