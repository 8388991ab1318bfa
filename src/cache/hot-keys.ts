/**
 * Which cache keys are hot, and when each one's token is due for a background re-issue (refresh-ahead).
 *
 * A key is hot while it was requested within `hotMs`; a key nobody asked for in that time is dropped, so cold keys
 * are never refreshed and an idle user costs at most one refresh after their last request. A hot key is due
 * `leadMs` before its token drops under the reuse floor (`expiresAt - minRemainingMs`), so the new token is in the
 * cache before any request would have had to wait for STS. The registry is bounded (`maxKeys`, about the least recently
 * requested out first) and holds no secret: only the key hash, the token's expiry and how to issue a new one.
 */
import { RecencyOrder, type Ordered } from '../shared/recency-order.js';
import type { StsCredentials } from '../sts/types.js';

/** Issues a token for one key. `background` calls never wait for budget and are made once (sts/assume-role.ts). */
export type IssueToken = (options: { background: boolean }) => Promise<StsCredentials>;

export interface HotKeysOptions {
  maxKeys: number;
  hotMs: number;
  leadMs: number;
  minRemainingMs: number;
  /** Wait this long before trying a key again after its refresh failed. */
  retryMs: number;
}

export interface HotEntry extends Ordered {
  issue: IssueToken;
  lastRequestedAt: number;
  /** Expiry of the newest token this replica knows for the key. */
  expiresAt: number;
  /** Not before this time (after a failed refresh). */
  retryAt: number;
}

export class HotKeys {
  private readonly entries = new Map<string, HotEntry>();
  /** Least recently requested first, approximately: a request moves only a key that drifted (recency-order.ts). */
  private readonly order: RecencyOrder;

  constructor(private readonly options: HotKeysOptions) {
    this.order = new RecencyOrder(options.maxKeys);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A request was served for `key` with a token expiring at `expiresAt`. */
  touch(key: string, issue: IssueToken, expiresAt: number, now: number): void {
    if (this.options.maxKeys <= 0) return;
    const known = this.entries.get(key);
    // Updated in place rather than replaced: an entry made per request outlives the young generation (a hot key is
    // asked for again within seconds) and every one of them became old-generation garbage.
    if (known !== undefined) {
      known.issue = issue;
      known.lastRequestedAt = now;
      known.expiresAt = Math.max(expiresAt, known.expiresAt);
      this.order.used(this.entries, key, known);
      return;
    }
    this.entries.set(key, { issue, lastRequestedAt: now, expiresAt, retryAt: 0, movedAt: this.order.inserted() });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxKeys) break;
      this.entries.delete(oldest);
    }
  }

  /** The hot keys whose token is due now, soonest first; cold keys are dropped on the way. */
  due(now: number): Array<[string, HotEntry]> {
    const { hotMs, leadMs, minRemainingMs } = this.options;
    const due: Array<[string, HotEntry]> = [];
    for (const [key, entry] of this.entries) {
      if (now - entry.lastRequestedAt > hotMs) {
        this.entries.delete(key);
        continue;
      }
      if (entry.retryAt <= now && entry.expiresAt - minRemainingMs - leadMs <= now) due.push([key, entry]);
    }
    return due.sort((a, b) => a[1].expiresAt - b[1].expiresAt);
  }

  /** A newer token for `key` is in the cache (issued here, or adopted from another replica). */
  renewed(key: string, expiresAt: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
    entry.retryAt = 0;
  }

  /** Stops refreshing `key` (its principal was revoked). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  failed(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.retryAt = now + this.options.retryMs;
  }
}
