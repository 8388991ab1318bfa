/**
 * The instants written about one token, as text, worked out once per token rather than once per answer. A cache hit
 * hands out the same StsCredentials object for as long as the token cache's L1 keeps it, and every answer with it
 * writes its expiry twice (the answer in whole seconds, the audit event with milliseconds) and its `refreshAfter`,
 * which for a token above the reuse floor is the same instant every time (lifetime.ts). isoSeconds' one-entry memo
 * cannot hold them: the answers of a second interleave hundreds of tokens. Held weakly: they go with the token.
 */
import { isoSeconds } from '../shared/clock.js';
import type { StsCredentials } from '../sts/types.js';

interface TokenTimes {
  /** `credentials.expiration` in the answer. */
  readonly expiration: string;
  /** `expiration` in the audit event. */
  readonly auditExpiration: string;
  /** The last `refreshAfter` written for this token, and the instant it was written for. */
  refreshAfterMs: number;
  refreshAfter: string;
}

const known = new WeakMap<StsCredentials, TokenTimes>();

function timesOf(credentials: StsCredentials): TokenTimes {
  let times = known.get(credentials);
  if (times === undefined) {
    const { expiresAt } = credentials;
    times = {
      expiration: isoSeconds(expiresAt),
      auditExpiration: new Date(expiresAt).toISOString(),
      refreshAfterMs: Number.NaN,
      refreshAfter: '',
    };
    known.set(credentials, times);
  }
  return times;
}

/** `credentials.expiration` as the answer writes it: UTC, whole seconds. */
export function expirationText(credentials: StsCredentials): string {
  return timesOf(credentials).expiration;
}

/** `expiration` as the audit event writes it: `Date#toISOString`. */
export function auditExpirationText(credentials: StsCredentials): string {
  return timesOf(credentials).auditExpiration;
}

/** `refreshAfter` as the answer writes it (whole seconds), for this token and this instant. */
export function refreshAfterText(credentials: StsCredentials, refreshAfterMs: number): string {
  const times = timesOf(credentials);
  if (times.refreshAfterMs !== refreshAfterMs) {
    times.refreshAfter = isoSeconds(refreshAfterMs);
    times.refreshAfterMs = refreshAfterMs;
  }
  return times.refreshAfter;
}
