/**
 * Approximate recency order for a Map used as an LRU (shared/expiring-lru.ts, cache/hot-keys.ts). A Map keeps
 * insertion order, so "move to the young end on use" plus "evict the first key" is an LRU. The move (delete + set)
 * is approximate: a use moves an entry only when at least half of `maxEntries` insertions and moves happened since
 * its own, i.e. only an entry that may have drifted into the older half. A use still leaves its entry behind fewer
 * than `maxEntries / 2` younger ones, so an entry is never evicted before at least `maxEntries / 2` insertions or
 * moves of other keys followed its last use. Moving on every use cost four Map operations per hit, and the deleted
 * slots it leaves make the Map's table rehash (V8's OrderedHashMap compacts them away only when it grows or rehashes:
 * https://v8.dev/blog/hash-code).
 */

/** An entry of a Map kept in this order: the order's count when it was inserted or last moved. */
export interface Ordered {
  movedAt: number;
}

export class RecencyOrder {
  /** Insertions and moves so far: how far an entry has drifted from the young end is `moves - movedAt` at most. */
  private moves = 0;
  private readonly moveAfter: number;

  constructor(maxEntries: number) {
    this.moveAfter = Math.max(1, Math.floor(maxEntries / 2));
  }

  /** The `movedAt` of an entry inserted now. */
  inserted(): number {
    return ++this.moves;
  }

  /** `entry`, held in `map` under `key`, was used: moved to the young end if it may have drifted to the older half. */
  used<E extends Ordered>(map: Map<string, E>, key: string, entry: E): void {
    if (this.moves - entry.movedAt < this.moveAfter) return;
    map.delete(key);
    map.set(key, entry);
    entry.movedAt = ++this.moves;
  }
}
