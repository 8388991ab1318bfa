/**
 * A small in-process LRU whose entries expire (token cache L1, verified JWTs): the hottest values are served
 * without a network round trip or a signature check.
 * Each entry carries its own expiry (read from the injected clock); `maxEntries: 0` turns it off (every read goes
 * to Redis, e.g. to keep secrets out of process memory longer than a request needs them).
 * Least recently read out first, approximately (recency-order.ts).
 */
import { smallInt, type Clock } from './clock.js';
import { RecencyOrder, type Ordered } from './recency-order.js';

interface Entry<V> extends Ordered {
  value: V;
  /**
   * Expiry in ms after `epoch`, not since 1970, made an int32 (`smallInt`): for its first 24 days a process keeps
   * this a small integer that V8 stores in the entry itself, where an epoch-ms timestamp (above 2^31) is boxed in a
   * 16-byte HeapNumber of its own for every entry (https://v8.dev/blog/pointer-compression, "Smis"; node is built
   * without pointer compression, so a Smi holds 32 bits). The difference of two such timestamps is still a
   * HeapNumber until `| 0` makes it an int32; one HeapNumber stored makes the field boxed for every entry.
   */
  expiresAt: number;
}

export class ExpiringLru<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly order: RecencyOrder;
  private readonly epoch: number;

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {
    this.order = new RecencyOrder(maxEntries);
    this.epoch = clock.now();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now() - this.epoch) {
      this.entries.delete(key);
      return undefined;
    }
    this.order.used(this.entries, key, entry);
    return entry.value;
  }

  /** Whether `key` holds a live entry, without counting as a read (its place in the eviction order stays). */
  has(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > this.clock.now() - this.epoch;
  }

  /**
   * `expiresAt` in epoch ms; an entry already expired is not stored. A key already held is updated in place (and
   * moved like a read): a delete + set left a deleted slot in the Map's table, and a table that keeps collecting
   * them is rehashed at twice the capacity its live entries need (V8's OrderedHashTable grows, rather than compacts,
   * while fewer than half of its slots are deleted ones).
   */
  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries <= 0 || expiresAt <= this.clock.now()) return;
    const known = this.entries.get(key);
    if (known !== undefined) {
      known.value = value;
      known.expiresAt = smallInt(expiresAt - this.epoch);
      this.order.used(this.entries, key, known);
      return;
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: smallInt(expiresAt - this.epoch), movedAt: this.order.inserted() });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
