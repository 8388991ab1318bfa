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
  if (store instanceof MemoryStore) return memoryByteLedgerOf(store, clock);
  throw new Error(`no byte ledger for a "${store.kind}" store of another type`);
}

const memoryLedgers = new WeakMap<MemoryStore, WeakMap<Clock, MemoryByteLedger>>();

/**
 * One in-memory ledger per memory store (and clock): the admission (create-admission.ts) reserves bytes in the same
 * counters that settle and usage read, as the Redis keys are one set of counters for both.
 */
export function memoryByteLedgerOf(store: MemoryStore, clock: Clock): MemoryByteLedger {
  let byClock = memoryLedgers.get(store);
  if (byClock === undefined) {
    byClock = new WeakMap();
    memoryLedgers.set(store, byClock);
  }
  let ledger = byClock.get(clock);
  if (ledger === undefined) {
    ledger = new MemoryByteLedger(clock);
    byClock.set(clock, ledger);
  }
  return ledger;
}
