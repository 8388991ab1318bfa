/**
 * The shared key-value store behind the token cache, the cross-replica lock, quotas and rate limits. Redis in
 * production (every replica shares it), in-memory in local mode. Every method has a deadline: a call that cannot
 * complete in time rejects with StoreUnavailableError rather than hanging the request.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Sets with a TTL. With `onlyIfAbsent`, returns false (and writes nothing) when the key exists. */
  set(key: string, value: string, ttlMs: number, options?: { onlyIfAbsent?: boolean }): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Deletes the key only while it still holds `value` (releasing a lock we own). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Atomically adds 1 to a fixed-window counter, starting the window (TTL) on the first hit.
   * Returns the count after the increment and the milliseconds until the window resets.
   */
  incrementWindow(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  /** Adds -1 (used to give back a quota unit when issuance fails after counting). */
  decrement(key: string): Promise<void>;
  /** Throws when the store is not usable. Used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface WindowTake {
  key: string;
  limit: number;
  windowMs: number;
}

export interface StoreFailure {
  /** The store method that failed (`get`, `incrementWindow`, `connect`, ...). */
  operation?: string;
  /** How long the call took before it failed: a timeout reads as the configured deadline, a refusal as ~0. */
  elapsedMs?: number;
  cause?: unknown;
}

export class StoreUnavailableError extends Error {
  readonly operation: string | undefined;
  readonly elapsedMs: number | undefined;

  constructor(message: string, failure: StoreFailure = {}) {
    super(message, failure.cause === undefined ? undefined : { cause: failure.cause });
    this.name = 'StoreUnavailableError';
    this.operation = failure.operation;
    this.elapsedMs = failure.elapsedMs;
  }

  /**
   * What an operator needs in the log line: the operation, the time it took and the cause (class, errno code and
   * message, e.g. "Error: Command timed out" or "ECONNREFUSED"). Never a key or a value: the message is built by the
   * store from those three, and the store strips its key prefix from a cause's text (redis-store.ts).
   */
  describe(): Record<string, string | number> {
    const out: Record<string, string | number> = { reason: this.message.slice(0, 300) };
    if (this.operation !== undefined) out.operation = this.operation;
    if (this.elapsedMs !== undefined) out.elapsedMs = this.elapsedMs;
    const code = (this.cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) out.code = code;
    return out;
  }
}
