/**
 * Opens `x-oss-security-token` (header or PostObject field) with the STS emulator's seal key and checks it against
 * the AccessKeyId the request was signed with (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header "STS-related OSS errors"):
 * - no token: the `STS.` AccessKeyId alone is unknown to OSS → InvalidAccessKeyId;
 * - unknown or tampered → InvalidSecurityToken;
 * - expired → SecurityTokenExpired ((not documented by Alibaba): the code is unconfirmed; this is the one ali-oss documents);
 * - AccessKeyId differs from the token's → InvalidAccessKeyId.
 */
import { openToken } from '../sts/index.js';
import type { SealedTokenPayload } from '../sts/index.js';
import { ERRORS, ossError } from './oss-error.js';

export function openSession(token: string | undefined, accessKeyId: string, sealKey: Buffer, nowMs: number): SealedTokenPayload {
  if (token === undefined || token === '') throw ossError(ERRORS.invalidAccessKeyId, { OSSAccessKeyId: accessKeyId });
  const payload = openToken(token, sealKey);
  if (!payload) throw ossError(ERRORS.invalidSecurityToken);
  if (payload.expiresAt <= nowMs) throw ossError(ERRORS.securityTokenExpired);
  if (payload.accessKeyId !== accessKeyId) throw ossError(ERRORS.invalidAccessKeyId, { OSSAccessKeyId: accessKeyId });
  return payload;
}

/** SignatureDoesNotMatch details, as OSS returns them: the server's StringToSign, and its bytes in hex. */
export function mismatchDetails(stringToSign: string, accessKeyId: string, provided: string): Record<string, string> {
  const bytes = [...Buffer.from(stringToSign, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return { StringToSign: stringToSign, StringToSignBytes: bytes, OSSAccessKeyId: accessKeyId, SignatureProvided: provided };
}
