/**
 * Remembers signature nonces so a captured request cannot be replayed (SignatureNonceUsed, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)).
 * A nonce only needs remembering while its timestamp would still pass the skew check: after that the replay fails
 * with InvalidTimeStamp.Expired anyway. So each entry lives until max(requestTime, now) + maxSkew.
 */
import type { StsEmulatorClock } from './types.js';

export class NonceCache {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly clock: StsEmulatorClock,
    private readonly windowMs: number,
  ) {}

  /**
   * Records the nonce for this access key. Returns false when it was already seen inside the window.
   * Nonces are scoped per AccessKey so one caller cannot burn another's nonces (real scoping UNCONFIRMED).
   */
  checkAndRemember(accessKeyId: string, nonce: string, requestTimeMs: number): boolean {
    const now = this.clock.now();
    this.prune(now);
    const key = `${accessKeyId}\u0000${nonce}`;
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    // Re-insert so Map order roughly follows expiry order, which keeps pruning cheap.
    this.expiries.delete(key);
    this.expiries.set(key, Math.max(requestTimeMs, now) + this.windowMs);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Drops expired entries from the front; a full sweep when the map grows large keeps it bounded. */
  private prune(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(key);
    }
    if (this.expiries.size > 100_000) {
      for (const [key, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(key);
    }
  }
}
