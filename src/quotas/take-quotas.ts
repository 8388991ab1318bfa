/**
 * A profile's two quotas as a grant takes them: the request quota (credentials or forms per window, request-quota.ts)
 * and the byte quota (declared bytes per window, byte-quota.ts). Both fail closed: a store failure is a
 * refusal (503), never "allow more".
 */
import type { Principal } from '../auth/principal.js';
import { principalKey } from '../auth/principal.js';
import type { BrokerConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { QuotaCounter } from './request-quota.js';
import type { ByteQuota, DeclaredBytes } from './byte-quota.js';

/** The profile's request quota: one unit taken, or 429 quota_exceeded. Returns the give-back. */
async function takeRequestQuota(
  config: Readonly<BrokerConfig>,
  quota: QuotaCounter,
  principal: Principal,
  profile: string,
): Promise<() => Promise<void>> {
  const windows = config.profiles[profile]?.quota?.perPrincipal;
  if (!windows) return async () => {};
  const result = await quota.consume({ principalKey: principalKey(principal), profile, windows });
  if (!result.allowed) {
    throw new BrokerError(
      'quota_exceeded',
      `credential quota for profile "${profile}" is used up (${result.limit} per ${result.windowSeconds}s)`,
      { retryAfterSeconds: result.retryAfterSeconds },
    );
  }
  return result.release;
}

export interface TakenQuotas {
  /** The byte reservation's id per declared item, in order (none without a byte quota service). */
  byteIds: string[];
  /** Gives back both (issuing failed afterwards). Best effort: a unit that cannot be given back stays spent. */
  release(): Promise<void>;
}

/**
 * Both quotas at once: the two store calls are in flight together, so a grant pays one round trip for them
 * instead of two. When one refuses, what the other took is given back before the refusal leaves, and when both
 * refuse the caller hears the request quota's refusal (as when they were taken one after the other). A refused
 * request may hold the other quota's share for that moment: a concurrent request of the same caller can only see
 * less room because of it, never more.
 */
export async function takeQuotas(
  config: Readonly<BrokerConfig>,
  quota: QuotaCounter,
  bytes: ByteQuota | undefined,
  principal: Principal,
  profile: string,
  declared: readonly DeclaredBytes[],
): Promise<TakenQuotas> {
  const [request, reserved] = await Promise.allSettled([
    takeRequestQuota(config, quota, principal, profile),
    bytes === undefined ? Promise.resolve(undefined) : bytes.reserve(principal, profile, declared),
  ]);
  const giveBack = async () => {
    await Promise.all([
      request.status === 'fulfilled' ? request.value().catch(() => undefined) : undefined,
      reserved.status === 'fulfilled' ? reserved.value?.release().catch(() => undefined) : undefined,
    ]);
  };
  if (request.status === 'rejected' || reserved.status === 'rejected') {
    await giveBack();
    throw request.status === 'rejected' ? request.reason : (reserved as PromiseRejectedResult).reason;
  }
  return { byteIds: reserved.value?.ids ?? [], release: giveBack };
}
