/**
 * The profile a request names, if its caller's client may use it: the first step of every route that takes a
 * profile (credentials, forms, usage). Who may use a profile is decided before anything about it is revealed, so a
 * client not listed hears only 403, whatever the profile offers.
 */
import type { Principal } from '../auth/principal.js';
import type { BrokerConfig, ProfileConfig } from '../config/schema.js';
import { assertThat } from '../errors.js';

/** 404 `unknown_profile` when no profile has this name, then 403 `forbidden` when it does not list the client. */
export function findProfile(
  config: Pick<Readonly<BrokerConfig>, 'profiles'>,
  name: string,
  principal: Pick<Principal, 'clientId'>,
): ProfileConfig {
  // Own properties only: a name such as `__proto__` or `toString` is no profile.
  const profile = Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;
  assertThat(profile, 'unknown_profile', `no profile named "${name}"`);
  assertThat(profile.clients.includes(principal.clientId), 'forbidden', `client "${principal.clientId}" may not use profile "${name}"`);
  return profile;
}
