import { MemoryStore } from '../store/memory-store.js';
import { RedisStore } from '../store/redis-store.js';
import { MemoryByteLedger } from './memory-byte-ledger.js';
import { RedisByteLedger } from './redis-byte-ledger.js';
import type { ByteLedger } from './byte-ledger.js';
import type { KeyValueStore } from '../store/types.js';
import type { Clock } from '../shared/clock.js';

/** The byte ledger for the store the app runs on: shared in Redis, per process in memory (local mode only). */
export function createByteLedger(store: KeyValueStore, clock: Clock): ByteLedger {
  if (store instanceof RedisStore) return new RedisByteLedger(store, clock);
  if (store instanceof MemoryStore) return new MemoryByteLedger(clock);
  throw new Error(`no byte ledger for a "${store.kind}" store of another type`);
}
