import type { Clock } from '../shared/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { RedisStore } from '../store/redis-store.js';
import type { KeyValueStore } from '../store/types.js';
import type { Admission } from './admission.js';
import { memoryByteLedgerOf } from './create-byte-ledger.js';
import { MemoryAdmission } from './memory-admission.js';
import { RedisAdmission } from './redis-admission.js';

/**
 * The admission for the store the app runs on: shared in Redis, per process in memory (local mode only), where it
 * counts in the same byte ledger as createByteLedger(store, clock) returns.
 */
export function createAdmission(store: KeyValueStore, clock: Clock): Admission {
  if (store instanceof RedisStore) return new RedisAdmission(store, clock);
  if (store instanceof MemoryStore) return new MemoryAdmission(store, memoryByteLedgerOf(store, clock));
  throw new Error(`no admission for a "${store.kind}" store of another type`);
}
