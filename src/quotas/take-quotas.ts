/**
 * A profile's two quotas as a grant takes them: the request quota (credentials or forms per window,
 * `quota.perPrincipal`) and the byte quota (declared bytes per window, `quota.bytesPerPrincipal`), all or nothing,
 * in one store step (the Admission, admission.ts). Both fail closed: a store failure is a refusal (503), never
 * "allow more".
 */
import type { Principal } from '../auth/principal.js';
import { principalKey } from '../auth/principal.js';
import type { BrokerConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Admission, GrantTake, GrantVerdict } from './admission.js';
import { NO_WINDOWS } from './admit-limits.js';
import { newReservationId, type DeclaredBytes } from './byte-quota.js';
import type { ByteWindow } from './byte-ledger.js';

/**
 * Counts the request's own limits (the HTTP layer's per-IP and per-principal rate limits) together with a grant's
 * quotas, in one store round trip, and throws the refusal of a limit the request is over, in the README's order;
 * without a grant, the limits alone. A request is counted once.
 */
export type CountRequest = (grant?: GrantTake) => Promise<GrantVerdict | undefined>;

export interface TakenQuotas {
  /** The byte reservation's id per declared item, in order; NOT_RESERVED for an item charged at once. */
  byteIds: string[];
  /** Gives back both (issuing failed afterwards). Best effort: a unit that cannot be given back stays spent. */
  release(): Promise<void>;
}

/** The declared total is larger than a whole window: waiting would not help, so no Retry-After. */
function assertFitsAWindow(profile: string, windows: readonly ByteWindow[], total: number): void {
  const tooBig = windows.find((w) => total > w.limitBytes);
  if (tooBig === undefined) return;
  throw new BrokerError(
    'quota_exceeded',
    `${total} bytes declared; the byte quota of profile "${profile}" is ${tooBig.limitBytes} per ${tooBig.windowSeconds}s`,
    { extensions: { quota: 'bytes', limitBytes: tooBig.limitBytes, windowSeconds: tooBig.windowSeconds } },
  );
}

function refusal(profile: string, verdict: GrantVerdict & { taken: false }): BrokerError {
  if (verdict.by === 'quota') {
    const { limit, windowSeconds } = verdict.window;
    return new BrokerError('quota_exceeded', `credential quota for profile "${profile}" is used up (${limit} per ${windowSeconds}s)`, {
      retryAfterSeconds: Math.max(1, Math.ceil(verdict.resetInMs / 1000)),
    });
  }
  const { limitBytes, windowSeconds } = verdict.window;
  return new BrokerError('quota_exceeded', `byte quota for profile "${profile}" is used up (${limitBytes} bytes per ${windowSeconds}s)`, {
    retryAfterSeconds: Math.max(1, Math.ceil(verdict.retryInMs / 1000)),
    extensions: { quota: 'bytes', limitBytes, windowSeconds },
  });
}

/**
 * The id of a declared item charged at once (`settle: 'now'`): it reserves nothing and no callback will ever name
 * it, so it needs no random id (a cache hit that declares files would draw one per file for nothing).
 */
export const NOT_RESERVED = '';

/**
 * What a grant of `profile` takes: one unit of every request-quota window and the declared bytes of every byte
 * window. The ids name each declared item's reservation (a form's `x:grant` carries it to the callback).
 */
function grantOf(config: Readonly<BrokerConfig>, principal: Principal, profile: string, declared: readonly DeclaredBytes[]) {
  const quota = Object.hasOwn(config.profiles, profile) ? config.profiles[profile]?.quota : undefined;
  const byteIds = declared.map((item) => (item.settle === 'callback' ? newReservationId() : NOT_RESERVED));
  const grant: GrantTake = { principalKey: principalKey(principal), profile, quota: quota?.perPrincipal ?? NO_WINDOWS };
  if (quota?.bytesPerPrincipal !== undefined && declared.length > 0) {
    grant.bytes = {
      windows: quota.bytesPerPrincipal,
      items: declared.map((item, i) => ({ id: byteIds[i]!, bytes: item.bytes, expiresAt: item.expiresAt, settle: item.settle })),
    };
    assertFitsAWindow(
      profile,
      quota.bytesPerPrincipal,
      declared.reduce((sum, item) => sum + item.bytes, 0),
    );
  }
  return { grant, byteIds };
}

/**
 * Both quotas of a grant, taken with the request's own counts when the route left them pending (`count`, one
 * round trip for everything a request counts), or alone. A refused request holds nothing: the Admission checks
 * every window before it takes from any.
 */
export async function takeQuotas(
  config: Readonly<BrokerConfig>,
  admission: Admission,
  principal: Principal,
  profile: string,
  declared: readonly DeclaredBytes[],
  count?: CountRequest,
): Promise<TakenQuotas> {
  const { grant, byteIds } = grantOf(config, principal, profile, declared);
  const verdict = count === undefined ? (await admission.admit({ grant })).grant : await count(grant);
  if (verdict === undefined) throw new BrokerError('store_unavailable', 'the store did not take the grant', { retryAfterSeconds: 1 });
  if (!verdict.taken) throw refusal(profile, verdict);
  let released = false;
  return {
    byteIds,
    async release() {
      // Idempotent: a double release would hand out what nobody paid for.
      if (released) return;
      released = true;
      await admission.release(grant, verdict).catch(() => undefined);
    },
  };
}
