/**
 * RoleSessionName for AssumeRole, derived from the principal so Alibaba's ActionTrail names the end user behind
 * every OSS request. STS allows letters, digits and `. @ - _`, 2-64 characters (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole; older docs say 32, but
 * the current SDK model says 64).
 *
 * The name is also part of the token cache key (README security property 5), so two different principals must never get
 * the same name. Two forms, told apart by how many `@` they hold:
 *
 *   plain   `<subject>@<tenant>`                when both are non-empty `[A-Za-z0-9._-]` and the whole fits in 64;
 *   hashed  `<subject'>@<tenant'>@<hash16>`     otherwise: `'` = disallowed characters (including `@`) replaced by
 *                                               `_` and truncated; hash16 = 64 bits of SHA-256 over the exact pair.
 *
 * A plain name has exactly one `@` and splits back into its pair, so plain names never collide; a hashed name has
 * exactly two, so it never equals a plain one; two hashed names collide only if 64 bits of SHA-256 do.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';

// STS's minimum of 2 characters always holds: a plain name is at least `a@b`, a hashed one holds the hash.
const ROLE_SESSION_NAME_MAX = 64;

const PLAIN_PART = /^[A-Za-z0-9._-]+$/;
const HASH_CHARS = 16;
/** Room for the two parts in a hashed name: 64 - two `@` - the hash. */
const HASHED_BUDGET = ROLE_SESSION_NAME_MAX - 2 - HASH_CHARS;
/** Tenants are usually short; cap them so the subject (the person) keeps most of the room. */
const HASHED_TENANT_MAX = 16;

/** Replaces each code point outside `[A-Za-z0-9._-]` by `_` (one `_` per emoji, not two). */
function sanitize(part: string): string {
  return Array.from(part, (ch) => (/^[A-Za-z0-9._-]$/.test(ch) ? ch : '_')).join('');
}

export function roleSessionName(principal: Pick<Principal, 'subject' | 'tenant'>): string {
  const { subject, tenant } = principal;
  const plain = `${subject}@${tenant}`;
  if (PLAIN_PART.test(subject) && PLAIN_PART.test(tenant) && plain.length <= ROLE_SESSION_NAME_MAX) return plain;

  // JSON of the pair, so ("a@b", "c") and ("a", "b@c") hash differently.
  const hash = createHash('sha256')
    .update(JSON.stringify([subject, tenant]))
    .digest('hex')
    .slice(0, HASH_CHARS);
  const tenantPart = sanitize(tenant).slice(0, HASHED_TENANT_MAX);
  const subjectPart = sanitize(subject).slice(0, HASHED_BUDGET - tenantPart.length);
  // Always at least 18 characters (`@@` + hash), so the minimum length of 2 needs no padding here.
  return `${subjectPart}@${tenantPart}@${hash}`;
}
