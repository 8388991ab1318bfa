/**
 * cache/: the STS token cache (L1 in process + encrypted values in the shared store, single-flight across
 * replicas, refresh-ahead for hot keys, stale tokens for outages), its key derivation (invariant 5) and its
 * encryption (invariant 2).
 */
export {
  createTokenCache,
  type IssueToken,
  type RefreshAheadOptions,
  type RefreshResult,
  type TokenCache,
  type TokenCacheOptions,
} from './token-cache.js';
export { issuanceLockTtlMs, tokenCacheFromConfig, type TokenCacheDeps } from './cache-config.js';
export { tokenCacheKey, type TokenCacheKeyInput, type TokenPurpose } from './cache-key.js';
export { createSealer, parseEncryptionKey } from './encryption.js';
