/**
 * The plaintext inside a sealed cache value is JSON of StsCredentials. Parsing checks the shape, because a value
 * that opens but is not credentials (an older format after an upgrade) must be a miss, not a broken response.
 */
import type { StsCredentials } from '../sts/types.js';

export function parseCredentials(json: string): StsCredentials | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (
    typeof v.accessKeyId !== 'string' ||
    typeof v.accessKeySecret !== 'string' ||
    typeof v.securityToken !== 'string' ||
    typeof v.expiresAt !== 'number' ||
    !Number.isFinite(v.expiresAt)
  ) {
    return null;
  }
  // Rebuild rather than return the parsed object: no stray fields travel on into responses.
  return {
    accessKeyId: v.accessKeyId,
    accessKeySecret: v.accessKeySecret,
    securityToken: v.securityToken,
    expiresAt: v.expiresAt,
  };
}
