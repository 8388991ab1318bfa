/**
 * cache/: the STS token cache (L1 in process + encrypted values in the shared store, single-flight across
 * replicas, refresh-ahead for hot keys, stale tokens for outages), its key derivation (invariant 5) and its
 * encryption (invariant 2). Where each capability lives:
 * - refresh-ahead  hot-keys.ts (which keys are hot, when each is due) and token-cache.ts (`refreshDue`, the
 *                  background rounds); settings `cache.refreshAhead`, read in cache-config.ts
 * - serve-stale    token-cache.ts (`peekStale`: a token under the reuse floor, above `cache.staleFloorSeconds`);
 *                  when it stands in for a failed issue is credentials/credential-service.ts (`obtain`)
 * Rate limits are not a cache matter: per IP and per principal in http/rate-limits.ts; STS call budgets in sts/.
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
