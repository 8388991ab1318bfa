/**
 * A small in-process LRU whose entries expire (token cache L1, verified JWTs): the hottest values are served
 * without a network round trip or a signature check.
 * Each entry carries its own expiry (read from the injected clock); `maxEntries: 0` turns it off (every read goes
 * to Redis, e.g. to keep secrets out of process memory longer than a request needs them).
 *
 * A Map keeps insertion order, so "move to the young end on read" plus "evict the first key" is an LRU. The move
 * (delete + set) is approximate: a read moves an entry only when at least half of `maxEntries` insertions and moves
 * happened since its own, i.e. only an entry that may have drifted into the older half. A read still leaves its entry
 * behind fewer than `maxEntries / 2` younger ones, so an entry is never evicted before at least `maxEntries / 2`
 * insertions or moves of other keys followed its last read. Moving on every hit cost four Map operations per hit, and
 * the deleted slots it leaves make the Map's table rehash (V8's OrderedHashMap compacts them away only when it
 * grows or rehashes: https://v8.dev/blog/hash-code).
 */
import type { Clock } from './clock.js';

interface Entry<V> {
  value: V;
  /**
   * Expiry in ms after `epoch`, not since 1970, made an int32 (`smallInt`): for its first 24 days a process keeps
   * this a small integer that V8 stores in the entry itself, where an epoch-ms timestamp (above 2^31) is boxed in a
   * 16-byte HeapNumber of its own for every entry (https://v8.dev/blog/pointer-compression, "Smis"; node is built
   * without pointer compression, so a Smi holds 32 bits). The difference of two such timestamps is still a
   * HeapNumber until `| 0` makes it an int32; one HeapNumber stored makes the field boxed for every entry.
   */
  expiresAt: number;
  /** The value of `moves` when this entry was inserted or last moved to the young end. */
  movedAt: number;
}

export class ExpiringLru<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Insertions and moves so far: how far an entry has drifted from the young end is `moves - entry.movedAt` at most. */
  private moves = 0;
  private readonly moveAfter: number;
  private readonly epoch: number;

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {
    this.moveAfter = Math.max(1, Math.floor(maxEntries / 2));
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
    this.refresh(key, entry);
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
      this.refresh(key, known);
      return;
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: smallInt(expiresAt - this.epoch), movedAt: ++this.moves });
  }

  /** Moves `entry` to the young end if it may have drifted into the older half. */
  private refresh(key: string, entry: Entry<V>): void {
    if (this.moves - entry.movedAt < this.moveAfter) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.movedAt = ++this.moves;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** `ms` as an int32 (a Smi to V8) when it is an integer in that range; unchanged otherwise. */
export function smallInt(ms: number): number {
  return Number.isInteger(ms) && ms >= -0x80000000 && ms <= 0x7fffffff ? ms | 0 : ms;
}
