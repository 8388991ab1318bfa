import type { Clock } from '../shared/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { RedisStore } from '../store/redis-store.js';
import type { KeyValueStore } from '../store/types.js';
import type { Admission } from './admission.js';
import type { ByteLedger } from './byte-ledger.js';
import { MemoryAdmission } from './memory-admission.js';
import { MemoryByteLedger } from './memory-byte-ledger.js';
import { RedisAdmission } from './redis-admission.js';
import { RedisByteLedger } from './redis-byte-ledger.js';

export interface QuotaCounters {
  /** Takes what a request counts (rate limits, request quota, byte reservation): admission.ts. */
  admission: Admission;
  /** Settles, releases and reports the byte windows the admission reserves in: byte-ledger.ts. */
  ledger: ByteLedger;
}

/**
 * The admission and the byte ledger for the store the app runs on, over one set of counters: shared in Redis (the
 * keys are the counters), per process in memory (local mode only), where both are handed the same ledger so settle
 * and usage see what the admission reserved.
 */
export function createQuotaCounters(store: KeyValueStore, clock: Clock): QuotaCounters {
  if (store instanceof RedisStore) return { admission: new RedisAdmission(store, clock), ledger: new RedisByteLedger(store, clock) };
  if (store instanceof MemoryStore) {
    const ledger = new MemoryByteLedger(clock);
    return { admission: new MemoryAdmission(store, ledger), ledger };
  }
  throw new Error(`no quota counters for a "${store.kind}" store of another type`);
}
