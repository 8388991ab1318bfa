/**
 * A small in-process LRU whose entries expire (token cache L1, verified JWTs): the hottest values are served
 * without a network round trip or a signature check.
 * Each entry carries its own expiry (read from the injected clock); `maxEntries: 0` turns it off (every read goes
 * to Redis, e.g. to keep secrets out of process memory longer than a request needs them).
 * A Map keeps insertion order, so "move to the young end on read" plus "evict the first key" is an LRU.
 */
import type { Clock } from './clock.js';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class ExpiringLru<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** `expiresAt` in epoch ms; an entry already expired is not stored. */
  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries <= 0 || expiresAt <= this.clock.now()) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
