/**
 * The responses of one server that have not closed yet, so a drain can tell their clients to close the connection.
 *
 * Deliberately not a Set. A Set's hash table is rehashed every few requests as responses come and go, and V8 leaves
 * the replaced table holding every entry it had (for iterators still walking it); once the table lives in the old
 * generation, so does each replacement (ordered-hash-table.cc, `Rehash`:
 * https://github.com/v8/v8/blob/main/src/objects/ordered-hash-table.cc). A dead old-generation table is still a root
 * for young-generation collections until the next full one, so every request it named was kept alive, promoted and
 * left as old-generation garbage: under load about a quarter of each cache hit's allocation (measured with
 * `--trace-gc-nvp`: ~1.2 MB promoted per scavenge with a Set, ~0 with this list, in a bare Express app awaiting one
 * Redis call per request). An array whose last slot fills a removed one never copies itself after it has grown to
 * the number of requests in flight.
 */
import type { ServerResponse } from 'node:http';

const REMOVED = -1;

interface Slot {
  readonly res: ServerResponse;
  index: number;
}

export class UnfinishedResponses {
  private readonly slots: Slot[] = [];

  get size(): number {
    return this.slots.length;
  }

  /** Holds `res` until it emits 'close' (which every response does once, finished or aborted). */
  add(res: ServerResponse): void {
    const slot: Slot = { res, index: this.slots.length };
    this.slots.push(slot);
    res.on('close', () => this.remove(slot));
  }

  /** A copy: a response may close while the caller is still looking at the list. */
  list(): ServerResponse[] {
    return this.slots.map((slot) => slot.res);
  }

  /** Idempotent, so a second 'close' cannot move another response's slot. */
  private remove(slot: Slot): void {
    if (slot.index === REMOVED) return;
    const last = this.slots.pop()!;
    if (last !== slot) {
      this.slots[slot.index] = last;
      last.index = slot.index;
    }
    slot.index = REMOVED;
  }
}
