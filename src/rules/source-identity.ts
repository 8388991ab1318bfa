/**
 * SourceIdentity for AssumeRole: names the principal behind a token in a way that, unlike the role session name,
 * survives a role chain and cannot be changed by whoever holds the token
 * (https://www.alibabacloud.com/help/en/ram/user-guide/session-tagging-and-fine-grained-access-control-for-assumed-roles-using-sourceidentity).
 * ActionTrail records it with every call the session makes, so an object write leads back to one principal.
 *
 * The rules for its value are not written down: the RAM page above and the AssumeRole API reference
 * (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole) give no length or
 * character set, and @alicloud/sts20150401 1.2.0 models it as a bare string. AWS STS, whose feature this mirrors,
 * allows 2-64 of `[\w+=,.@-]` (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). We stay
 * inside what both would accept: 2-64 characters of `[A-Za-z0-9._@-]`, the documented RoleSessionName set, which
 * is also a subset of AWS's. Characters outside it are replaced, never sent.
 *
 * Unlike the role session name it names the whole principal, the same three parts as `principalKey` (the client
 * decides whether it is an app user or a partner key, so two clients' `alice` are two identities):
 *
 *   plain   `<subject>@<tenant>@<clientId>`                when subject and tenant are non-empty `[A-Za-z0-9._-]`
 *                                                           and the whole fits in 64;
 *   hashed  `<subject'>@<tenant'>@<clientId'>@<hash16>`    otherwise: `'` = characters outside `[A-Za-z0-9._-]`
 *                                                           replaced by `_` and truncated; hash16 = 64 bits of
 *                                                           SHA-256 over `principalKey` (JSON of the exact triple).
 *
 * Client ids never hold `@` (config/schema.ts), so a plain identity has exactly two `@` and splits back into its
 * triple: plain identities never collide. A hashed one has exactly three, so it never equals a plain one; two hashed
 * identities collide only if 64 bits of SHA-256 do. Deterministic and keyed by nothing secret, so an operator can
 * recompute it from an audit event's principal.
 */
import { createHash } from 'node:crypto';
import { principalKey, type Principal } from '../auth/principal.js';

export const SOURCE_IDENTITY_MAX = 64;
/** What the broker ever sends; the emulator refuses anything else (dev/emulator/sts/assume-role-params.ts). */
export const SOURCE_IDENTITY_PATTERN = /^[A-Za-z0-9._@-]{2,64}$/;

const PLAIN_PART = /^[A-Za-z0-9._-]+$/;
const HASH_CHARS = 16;
/** Room for the three parts in a hashed identity: 64 - three `@` - the hash. */
const HASHED_BUDGET = SOURCE_IDENTITY_MAX - 3 - HASH_CHARS;
/** Tenants and client ids are usually short; cap them so the subject (the person or key) keeps most of the room. */
const HASHED_TENANT_MAX = 12;
const HASHED_CLIENT_MAX = 12;

/** Replaces each code point outside `[A-Za-z0-9._-]` by `_` (one `_` per emoji, not two). */
function sanitize(part: string): string {
  return Array.from(part, (ch) => (/^[A-Za-z0-9._-]$/.test(ch) ? ch : '_')).join('');
}

export function sourceIdentity(principal: Pick<Principal, 'clientId' | 'subject' | 'tenant'>): string {
  const { clientId, subject, tenant } = principal;
  const plain = `${subject}@${tenant}@${clientId}`;
  if (PLAIN_PART.test(subject) && PLAIN_PART.test(tenant) && PLAIN_PART.test(clientId) && plain.length <= SOURCE_IDENTITY_MAX) {
    return plain;
  }
  const hash = createHash('sha256').update(principalKey(principal)).digest('hex').slice(0, HASH_CHARS);
  const clientPart = sanitize(clientId).slice(0, HASHED_CLIENT_MAX);
  const tenantPart = sanitize(tenant).slice(0, HASHED_TENANT_MAX);
  const subjectPart = sanitize(subject).slice(0, HASHED_BUDGET - tenantPart.length - clientPart.length);
  // At least 19 characters (`@@@` + hash), so the minimum length of 2 needs no padding.
  return `${subjectPart}@${tenantPart}@${clientPart}@${hash}`;
}
