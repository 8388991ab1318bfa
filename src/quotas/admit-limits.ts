/**
 * The part of the ADMIT script's arguments (admission-scripts.ts) that configuration alone decides: the per-principal
 * window, the request-quota windows and the byte windows, as one argument. A cache hit sends it on every request,
 * so it is made once per set of windows instead of being formatted again per request (and then encoded by ioredis
 * one argument at a time).
 */
import { assertTtl } from '../store/ttl.js';
import type { CountWindow } from './admission.js';
import { distinctByteWindows, type ByteWindow } from './byte-ledger.js';
import { distinctWindows } from './request-quota.js';

export interface AdmitLimits {
  /** The request-quota windows in KEYS order (distinctWindows). */
  quota: readonly CountWindow[];
  /** The byte windows in KEYS order (distinctByteWindows); empty when nothing is reserved. */
  byteWindows: readonly ByteWindow[];
  /**
   * ARGV[2]: principal window ms ('0': no principal limit), principal limit, q, (limit, window ms) × q, n,
   * (window ms, limit bytes) × n; decimal numbers separated by single spaces.
   */
  arg: string;
}

const windowMs = (w: { windowSeconds: number }): number => assertTtl(w.windowSeconds * 1000);

export function admitLimits(
  principal: CountWindow | undefined,
  quotaWindows: readonly CountWindow[],
  bytesWindows: readonly ByteWindow[] | undefined,
): AdmitLimits {
  const quota = distinctWindows(quotaWindows);
  const byteWindows = bytesWindows === undefined ? [] : distinctByteWindows(bytesWindows);
  const parts: number[] = principal === undefined ? [0, 0] : [windowMs(principal), principal.limit];
  parts.push(quota.length);
  for (const w of quota) parts.push(w.limit, windowMs(w));
  parts.push(byteWindows.length);
  for (const w of byteWindows) parts.push(w.windowSeconds * 1000, w.limitBytes);
  return { quota, byteWindows, arg: parts.map(String).join(' ') };
}

/** A grant-less admission: no request-quota windows. */
export const NO_WINDOWS: readonly CountWindow[] = Object.freeze([]);

/** Of one set of request-quota windows, the other windows seen with it: a profile has few (with or without bytes). */
const VARIANTS_MAX = 4;

interface Variant {
  principal: CountWindow | undefined;
  bytes: readonly ByteWindow[] | undefined;
  limits: AdmitLimits;
}

/** Arrays and objects that can no longer change (the deep-frozen configuration, config/load.ts). */
function frozen(value: object | undefined): boolean {
  if (value === undefined) return true;
  if (!Object.isFrozen(value)) return false;
  return !Array.isArray(value) || value.every((item: unknown) => typeof item !== 'object' || item === null || Object.isFrozen(item));
}

/**
 * AdmitLimits by the identity of the windows they were made from. Only frozen windows are remembered: a window
 * changed after it was remembered would be sent with its old limit. The configuration is deep-frozen and lives as
 * long as the process, so the memo holds a few entries per profile (at most VARIANTS_MAX per quota list) and is
 * never invalidated; windows built per call (tests) are not frozen and are formatted each time.
 */
export class AdmitLimitsMemo {
  private readonly byQuota = new WeakMap<readonly CountWindow[], Variant[]>();

  of(principal: CountWindow | undefined, quota: readonly CountWindow[], bytes: readonly ByteWindow[] | undefined): AdmitLimits {
    const variants = this.byQuota.get(quota);
    if (variants !== undefined) {
      for (const v of variants) if (v.principal === principal && v.bytes === bytes) return v.limits;
    }
    const limits = admitLimits(principal, quota, bytes);
    if (!frozen(quota) || !frozen(principal) || !frozen(bytes)) return limits;
    if (variants === undefined) this.byQuota.set(quota, [{ principal, bytes, limits }]);
    else {
      if (variants.length >= VARIANTS_MAX) variants.shift();
      variants.push({ principal, bytes, limits });
    }
    return limits;
  }
}
