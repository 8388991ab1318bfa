/**
 * The one constant-time comparison in the broker (README.md, security property 3: "API keys compare in constant
 * time"). Kept tiny and on its own, as node-oidc-provider does, so every caller uses the same reviewed code.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `a` and `b` hold the same bytes, in time that depends on neither their content nor their lengths.
 *
 * `crypto.timingSafeEqual` throws on different lengths, and an early `length !==` return would tell an attacker
 * the expected length; comparing fixed-size SHA-256 digests of both sides avoids both. Equal digests imply equal
 * inputs for any practical purpose (a collision would be a SHA-256 break).
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(value: string | Uint8Array): Buffer {
  return createHash('sha256').update(value).digest();
}
