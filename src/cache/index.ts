/**
 * cache/: the STS token cache (L1 in process + encrypted values in the shared store, single-flight across
 * replicas), its key derivation (invariant 5) and its encryption (invariant 2).
 */
export {
  createTokenCache,
  type TokenCache,
  type TokenCacheOptions,
} from './token-cache.js';
export { tokenCacheKey, type TokenCacheKeyInput } from './cache-key.js';
export { createSealer, parseEncryptionKey } from './encryption.js';
