/**
 * cache/: the STS token cache (L1 in process + encrypted values in the shared store, single-flight across
 * replicas), its key derivation (invariant 5) and its encryption (invariant 2).
 */
export {
  createTokenCache,
  type TokenCache,
  type TokenCacheOptions,
  type TokenCacheResult,
} from './token-cache.js';
export { tokenCacheKey, type TokenCacheKeyInput } from './cache-key.js';
export { createSealer, parseEncryptionKey, ENCRYPTION_KEY_BYTES, type Sealer } from './encryption.js';
export { parseCredentials } from './credentials-codec.js';
