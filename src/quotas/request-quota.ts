/**
 * Per-principal credential quotas ("N per hour, M per day") as fixed-window counters in the shared store: their keys
 * and windows. The Admission (admission.ts) takes them, check-then-take in one atomic step with the byte reservation:
 * a unit is taken from every window only if every window has room, so a refused request holds nothing even for a
 * moment, two racing requests can never both get the last unit, and a refusal names the window that is actually
 * full (the one that frees up last when several are full: all must have room).
 */
interface QuotaWindow {
  limit: number;
  windowSeconds: number;
}

/**
 * `quota:{<principal>}:<profile>:<window>s`, principal and profile percent-encoded (no `:`, `{` or `}` left in
 * either), the window a number at the end: no part can shift into another. The braces are the Redis Cluster hash tag
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags) and hold the principal
 * alone, the same tag as its per-principal rate limit and its byte quota (byte-ledger.ts), so one script
 * (admission-scripts.ts) can count the limit and take both quotas in one slot. Keys of another shape are not read:
 * at an upgrade from the `{<profile>:<principal>}` shape every window starts afresh, once.
 */
export function quotaKey(profile: string, principalKey: string, windowSeconds: number): string {
  return `quota:{${encodeURIComponent(principalKey)}}:${encodeURIComponent(profile)}:${windowSeconds}s`;
}

/** Two windows of the same length would share one counter and count twice: keep the stricter limit. */
export function distinctWindows<W extends QuotaWindow>(windows: readonly W[]): W[] {
  const byLength = new Map<number, W>();
  for (const w of windows) {
    const seen = byLength.get(w.windowSeconds);
    if (seen === undefined || w.limit < seen.limit) byLength.set(w.windowSeconds, w);
  }
  return [...byLength.values()];
}
