/**
 * The token lifetime contract (docs/clients.md, "The lifetime promise"): every token the broker returns has at least
 * `cache.minRemainingSeconds` of life left, and the response says when to come back (`refreshAfter`).
 *
 * STS tokens cannot be renewed, only replaced, and ali-oss refreshes on a timer, not from the expiry
 * (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/utils/setSTSToken.ts). So the promise is what a client
 * can schedule on: a client that comes back at `refreshAfter` (or every minRemainingSeconds minus a margin, the
 * docs/clients.md's rule for timer-driven clients) never holds an expired token.
 *
 * - A normal token: `refreshAfter` = expiration - minRemainingSeconds, the moment the broker stops handing this token
 *   out; from then on the same request gets a newer one (refresh-ahead usually has it ready).
 * - A stale token (served while STS cannot issue, with less than the floor left): come back soon, after the STS
 *   failure's Retry-After, and never later than one second before the token expires.
 */
const DEFAULT_STALE_RETRY_SECONDS = 5;

export function refreshAfterMs(
  expiresAt: number,
  nowMs: number,
  minRemainingMs: number,
  stale?: { retryAfterSeconds?: number | undefined },
): number {
  if (stale === undefined) return Math.max(nowMs, expiresAt - minRemainingMs);
  const retryMs = Math.max(1, stale.retryAfterSeconds ?? DEFAULT_STALE_RETRY_SECONDS) * 1000;
  return Math.max(nowMs, Math.min(nowMs + retryMs, expiresAt - 1000));
}
