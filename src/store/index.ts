/**
 * store/: the shared key-value store and what is counted in it.
 * - KeyValueStore, StoreUnavailableError: the contract (types.ts).
 * - RedisStore + createRedisClient: production, shared by every replica; every failure → StoreUnavailableError.
 * - MemoryStore: local mode / development only (one process).
 * - createRateLimitStore: express-rate-limit Store on either of them, fail closed.
 * - createQuotaCounter: per-principal multi-window quotas, fail closed, refused requests cost nothing.
 */
export { StoreUnavailableError, type KeyValueStore } from './types.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { createRedisClient, reconnectDelayMs, type RedisClient, type RedisConfig } from './redis-client.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { createRateLimitStore } from './rate-limit-store.js';
export {
  createQuotaCounter,
  quotaKey,
  type QuotaCounter,
  type QuotaDecision,
  type QuotaRequest,
  type QuotaWindow,
} from './quota.js';
export { silentLogger, errorMessage, type StoreLogger } from './logger.js';
