/**
 * The values of a list claim (`groups`, `roles`) that a profile's areas are built from. What a token carries is
 * the identity provider's statement; what the profile uses is decided here, the same way every time:
 *
 * - duplicates collapse: two equal values would name the same area, so they count once;
 * - more distinct values than the profile's `maxValues`: 403 `too_many_claim_values`. Never cut to fit - which
 *   values a cut keeps would depend on the token's order, and the caller would silently lose an area;
 * - each value must be a safe prefix segment of at most `maxChars` (safe-segment.ts, as for `${sub}`): an empty or
 *   unsafe value is 400 `invalid_name`, naming the claim and the value's position, never the value;
 * - the values are sorted, so the token's order never changes the policy, its text or its cache key.
 */
import { LIST_CLAIM_DEFAULTS, type ListClaimLimits, type ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import { assertSafeValue } from './safe-segment.js';

/** The profile's limits for one list claim: its own `listClaims.<name>`, or the defaults. */
export function listClaimLimits(profile: Pick<ProfileConfig, 'listClaims'>, name: string): ListClaimLimits {
  const own = profile.listClaims !== undefined && Object.hasOwn(profile.listClaims, name) ? profile.listClaims[name] : undefined;
  return own ?? LIST_CLAIM_DEFAULTS;
}

/** The distinct, checked, sorted values of list claim `name` that the profile's areas use. */
export function listClaimValues(
  principal: Pick<Principal, 'listClaims'>,
  name: string,
  limits: ListClaimLimits,
  profileName: string,
): string[] {
  const lists = principal.listClaims;
  const raw = lists !== undefined && Object.hasOwn(lists, name) ? lists[name]! : [];
  const distinct = [...new Set(raw)];
  if (distinct.length > limits.maxValues) {
    throw new BrokerError(
      'too_many_claim_values',
      `claim "${name}" has ${distinct.length} distinct values; profile "${profileName}" uses at most ${limits.maxValues}`,
      { extensions: { claim: name, maxValues: limits.maxValues } },
    );
  }
  distinct.forEach((value) => assertSafeValue(value, `claim "${name}" value #${raw.indexOf(value) + 1}`, 'claim', limits.maxChars));
  // Code-unit order, as canonical JSON sorts: the same set of values always gives the same policy.
  return distinct.sort();
}
