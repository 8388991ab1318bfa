/**
 * rules/: the business rules, pure. Turns (profile, principal, declared files) into a Grant, refusing with a
 * BrokerError whose code says which rule failed.
 *
 * - applyProfile           the whole decision; everything else is a step of it
 * - compilePrefixTemplate  parse `uploads/${tenant}/${sub}/` (call at start-up to fail fast)
 * - renderAreas / listClaimValues   a profile's extra areas, one per value of a list claim (`${claims.groups}`)
 * - assertSafeValue        the character-set gate for anything that becomes part of a key
 * - file rules             extension / content type / size / count / duplicates
 * - nameKeys               exact keys for `keys` scope (`original` or `random` naming)
 * - roleSessionName        collision-free RoleSessionName that names the end user
 * - sourceIdentity         collision-free SourceIdentity that names the whole principal
 */
export type { Grant, GrantArea } from './grant.js';
export { applyProfile, profileEndpoint } from './apply-profile.js';
export { compilePrefixTemplate, type CompiledPrefixTemplate } from './prefix-template.js';
export { isSafeValue } from './safe-segment.js';
export { compileAreas, renderAreas } from './areas.js';
export { listClaimLimits, listClaimValues } from './list-claims.js';
export { normalizeContentType } from './file-rules.js';
