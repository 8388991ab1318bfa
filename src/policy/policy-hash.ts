/** SHA-256 (hex) of a policy's canonical JSON: a short, stable name for it in audit events and cache keys. */
import { createHash } from 'node:crypto';

export function policyHash(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}
