/**
 * rules/: the business rules, pure. Turns (profile, principal, declared files) into a Grant, refusing with a
 * BrokerError whose code says which rule failed.
 *
 * - applyProfile           the whole decision; everything else is a step of it
 * - compilePrefixTemplate  parse `uploads/${tenant}/${sub}/` (call at start-up to fail fast)
 * - assertSafeValue        the character-set gate for anything that becomes part of a key
 * - file rules             extension / content type / size / count / duplicates
 * - nameKeys               exact keys for `keys` scope (`original` or `random` naming)
 * - roleSessionName        collision-free RoleSessionName that names the end user
 */
export type { FileSpec, Grant } from './grant.js';
export { applyProfile, profileEndpoint, type ApplyProfileInput } from './apply-profile.js';
export { compilePrefixTemplate, type CompiledPrefixTemplate } from './prefix-template.js';
export {
  assertSafeValue,
  isSafeValue,
  MAX_CLAIM_CHARS,
  MAX_FILE_NAME_BYTES,
  type SafeValueKind,
} from './safe-segment.js';
export {
  checkFiles,
  checkFileNames,
  checkFileSizes,
  checkFilesStructure,
  checkFileTypes,
  fileExtension,
  normalizeContentType,
} from './file-rules.js';
export { assertKeyLength, defaultRandomId, MAX_KEY_BYTES, nameKeys, type NameKeysInput, type RandomId } from './key-naming.js';
export { roleSessionName, ROLE_SESSION_NAME_MAX, ROLE_SESSION_NAME_MIN } from './role-session-name.js';
