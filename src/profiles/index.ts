/**
 * profiles/: what the broker knows about a configured profile beyond its schema (config/schema.ts).
 * - findProfile         the profile a request names, if the caller's client may use it (404, then 403)
 * - checkProfiles       every start-up check of the profiles; profileProblems lists them without throwing
 * - formSigningProfile  the profile as the token that signs its PostObject forms sees it
 * - formSigningGrant    the same token's grant, derived from a form request's grant (the rules run once)
 */
export { findProfile } from './find-profile.js';
export { checkProfiles, profileProblems } from './check-profiles.js';
export { formSigningGrant, formSigningProfile } from './form-signing.js';
