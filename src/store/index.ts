/**
 * store/: the shared key-value store, a plain adapter. What is kept in it belongs to its callers: quota counters
 * (quotas/), rate-limit counters (http/rate-limits.ts), cached tokens and locks (cache/).
 * - KeyValueStore, StoreUnavailableError: the contract (types.ts).
 * - RedisStore + createRedisClient: production, shared by every replica; every failure → StoreUnavailableError.
 * - MemoryStore: local mode / development only (one process).
 */
export { StoreUnavailableError, type KeyValueStore } from './types.js';
export { RedisStore } from './redis-store.js';
export { createRedisClient, type RedisClient, type RedisConfig } from './redis-client.js';
export { MemoryStore } from './memory-store.js';
export { silentLogger, errorMessage, type StoreLogger } from './logger.js';
