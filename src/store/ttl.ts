/**
 * Both stores refuse a TTL below 1 ms the same way: Redis rejects `PX 0`, and a key that is "set" already expired
 * is almost always a caller's arithmetic bug (an expiry in the past) that should surface, not vanish.
 */
export function assertTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new RangeError(`ttlMs must be >= 1, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}
