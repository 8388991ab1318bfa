/**
 * ┌──────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
 * │ FOR ONE PROCESS ONLY: local mode and development. Nothing here is shared between replicas, so with two      │
 * │ replicas every quota, rate limit and cache lock would count separately (N replicas = N× the configured      │
 * │ limits). Production runs with Redis (`redis.url`, Sentinel or Cluster).                                     │
 * └──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * A Map with per-entry expiry read from the injected clock (tests move time without fake timers). The size is
 * bounded so a flood of distinct principals cannot grow memory without limit: when full, expired entries are swept
 * first, then the oldest entries are evicted. Evicting a live counter would under-count it, so keep `maxEntries`
 * well above the working set; that trade-off is one more reason this store is not for production.
 */
import { smallInt, systemClock, type Clock } from '../shared/clock.js';
import { assertTtl } from './ttl.js';
import type { KeyValueStore, WindowTake } from './types.js';

interface Entry {
  value: string;
  /**
   * In the store's own time (`now()`: ms since it was made, an int32 while it fits), not epoch ms: for its first 24
   * days a process keeps this a small integer that V8 stores in the entry itself, where an epoch-ms timestamp (above
   * 2^31) is boxed in a 16-byte HeapNumber of its own for every key (shared/clock.ts `smallInt`).
   */
  expiresAt: number;
}

export interface MemoryStoreOptions {
  clock?: Clock;
  /** Upper bound on live keys. Default 100,000. */
  maxEntries?: number;
}

/** A full sweep is O(n); when the map stays full of live keys, sweep at most this often and evict otherwise. */
const SWEEP_INTERVAL_MS = 1000;
/**
 * Expired entries are also swept this often on writes, full or not. Without it a key that is never read again
 * (a quota window of a past hour, a lock, a token of a principal who left) stayed until the map held `maxEntries`:
 * under 10,000 principals the map only grew, towards 100,000 entries, and RSS with it. Each sweep is O(n) once per
 * interval, so its cost per write is O(n / writes per interval).
 */
const EXPIRED_SWEEP_INTERVAL_MS = 10_000;

export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly epoch: number;
  private readonly maxEntries: number;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private lastExpiredSweep: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.epoch = this.clock.now();
    this.maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.lastExpiredSweep = this.now();
  }

  /** Number of entries held, live or not yet swept (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number, options?: { onlyIfAbsent?: boolean }): Promise<boolean> {
    const ttl = assertTtl(ttlMs);
    if (options?.onlyIfAbsent === true && this.live(key) !== undefined) return false;
    this.put(key, { value, expiresAt: this.now() + ttl });
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async incrementWindow(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    return this.incrementWindowNow(key, windowMs);
  }

  /**
   * The synchronous step behind incrementWindow, for a caller that counts several things as one
   * step (quotas/memory-admission.ts): on Node's single thread, code that does not await in between is atomic.
   */
  incrementWindowNow(key: string, windowMs: number): { count: number; resetInMs: number } {
    const window = assertTtl(windowMs);
    const now = this.now();
    const entry = this.live(key);
    if (entry === undefined) {
      this.put(key, { value: '1', expiresAt: now + window });
      return { count: 1, resetInMs: window };
    }
    // Same as Redis INCR: a value that is not an integer is an error, not a silent reset.
    const count = parseCounter(entry.value) + 1;
    entry.value = String(count);
    return { count, resetInMs: Math.max(0, entry.expiresAt - now) };
  }

  /**
   * The full window (count ≥ limit) that frees up last, or undefined when every window has room. Writes nothing: a
   * caller checks every window before it takes from any (full_window in lua-scripts.ts, the same rule on Redis).
   */
  fullWindow(windows: readonly WindowTake[]): { index: number; resetInMs: number } | undefined {
    let refusal: { index: number; resetInMs: number } | undefined;
    for (const [index, w] of windows.entries()) {
      assertTtl(w.windowMs);
      const entry = this.live(w.key);
      if (entry === undefined || parseCounter(entry.value) < w.limit) continue;
      const resetInMs = Math.max(0, entry.expiresAt - this.now());
      if (refusal === undefined || resetInMs > refusal.resetInMs) refusal = { index, resetInMs };
    }
    return refusal;
  }

  async decrement(key: string): Promise<void> {
    // Only inside a live window, like the Redis script: never create a counter without expiry.
    const entry = this.live(key);
    if (entry !== undefined) entry.value = String(parseCounter(entry.value) - 1);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** The store's own time: ms since it was made (see Entry.expiresAt). */
  private now(): number {
    return smallInt(this.clock.now() - this.epoch);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, entry: Entry): void {
    // Delete first so a rewritten key moves to the young end of the insertion order.
    const known = this.entries.delete(key);
    const now = this.now();
    if (now - this.lastExpiredSweep >= EXPIRED_SWEEP_INTERVAL_MS) {
      this.lastExpiredSweep = now;
      this.sweepExpired(now);
    }
    if (this.entries.size >= this.maxEntries) this.makeRoom();
    this.entries.set(known ? key : flatKey(key), entry);
  }

  private makeRoom(): void {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      this.sweepExpired(now);
    }
    // Map iteration is insertion order, so the first keys are the oldest.
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }

  private sweepExpired(now: number): void {
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}

/**
 * The same text as one flat string. Keys are built with template literals (quotaKey, principalLimitKey, ...), which V8
 * keeps as a tree of the concatenated pieces (a 32-byte ConsString per join, plus each piece), and a Map holds the
 * key string it was given: a quota key took about 290 bytes where its text needs about 100 (measured over 100,000
 * keys). A computed property name internalizes its string, which flattens it
 * (https://v8.dev/blog/fast-properties, "named properties"); done once for a key a store adds, never per lookup.
 */
export function flatKey(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}

function parseCounter(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new TypeError('value is not an integer counter');
  return Number(value);
}
