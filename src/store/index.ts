/**
 * store/: the shared key-value store and what is counted in it.
 * - KeyValueStore, StoreUnavailableError: the contract (types.ts).
 * - RedisStore + createRedisClient: production, shared by every replica; every failure → StoreUnavailableError.
 * - MemoryStore: local mode / development only (one process).
 * - createQuotaCounter: per-principal multi-window quotas, fail closed, refused requests cost nothing.
 */
export { StoreUnavailableError, type KeyValueStore } from './types.js';
export { RedisStore } from './redis-store.js';
export { createRedisClient, type RedisConfig } from './redis-client.js';
export { MemoryStore } from './memory-store.js';
export {
  createQuotaCounter,
  quotaKey,
  type QuotaCounter,
} from './quota.js';
export { silentLogger, errorMessage, type StoreLogger } from './logger.js';
