/**
 * The token that signs a profile's PostObject forms (POST /v1/post-policy). It never leaves the broker, and it is
 * scoped to what a form needs, not to everything the profile's tokens may do: PostObject is authorized as
 * oss:PutObject on the object (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject), so the
 * signing token gets `put` on the caller's prefix (and, with file types, only their extensions) and nothing else:
 * should its secret ever escape, it could not read, list or delete, whatever the profile offers on its token path.
 */
import type { ProfileConfig } from '../config/schema.js';
import type { Grant } from '../rules/index.js';

/**
 * The profile as the signing token's grant sees it: prefix scope (each form pins its own exact key, so one token
 * serves every form of the caller), the `put` operation only and no areas. Everything else (role, prefix,
 * extensions, conditions, duration) is the profile's.
 */
export function formSigningProfile(profile: ProfileConfig): ProfileConfig {
  const signing: ProfileConfig = { ...profile, scope: 'prefix', keyNaming: 'original', operations: ['put'] };
  // Forms write under the profile's own prefix only: a team or shared area is reached with a token, never a form.
  delete signing.areas;
  return signing;
}

/**
 * The same grant, from one the rules have already decided for the same profile and caller (a form request's, whose
 * files were checked at `keys` scope): prefix scope, so no keys, and `put` only. Every other field of a grant comes
 * from the profile and the caller alone, so this equals the grant of `formSigningProfile(profile)` without running
 * the rules a second time (form-signing.test.ts checks the two agree).
 */
export function formSigningGrant(grant: Grant): Grant {
  const signing: Grant = { ...grant, keys: undefined, operations: ['put'] };
  delete signing.areas;
  return signing;
}
