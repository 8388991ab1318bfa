/**
 * Admission in memory: FOR ONE PROCESS ONLY (local mode and development), like MemoryStore and MemoryByteLedger,
 * whose counters it uses, so settle and usage see what it took. The same results as the Redis script
 * (redis-admission.ts): `admit` runs to completion without awaiting, so on Node's single thread it is one atomic step,
 * as ADMIT is in Redis; the quota is checked, the bytes reserved (all or nothing), and only then the quota taken.
 */
import type { MemoryStore } from '../store/memory-store.js';
import {
  assertOnePrincipal,
  ipLimitKey,
  principalLimitKey,
  reservedBytes,
  type Admission,
  type AdmissionRequest,
  type AdmissionResult,
  type GrantTake,
  type GrantVerdict,
} from './admission.js';
import type { ByteScope, ImmediateCharge } from './byte-ledger.js';
import type { MemoryByteLedger } from './memory-byte-ledger.js';
import { distinctWindows, quotaKey } from './request-quota.js';

export class MemoryAdmission implements Admission {
  constructor(
    private readonly store: MemoryStore,
    private readonly ledger: MemoryByteLedger,
  ) {}

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    assertOnePrincipal(request);
    const { ip, principal, grant } = request;
    const result: AdmissionResult = {};
    if (ip !== undefined) result.ip = this.store.incrementWindowNow(ipLimitKey(ip.address), ip.window.windowSeconds * 1000);
    if (principal !== undefined) {
      result.principal = this.store.incrementWindowNow(principalLimitKey(principal.principalKey), principal.window.windowSeconds * 1000);
      if (result.principal.count > principal.window.limit) return result;
    }
    if (grant !== undefined) result.grant = this.take(grant);
    return result;
  }

  async release(grant: GrantTake, taken: { charge?: ImmediateCharge }): Promise<void> {
    for (const w of distinctWindows(grant.quota)) await this.store.decrement(quotaKey(grant.profile, grant.principalKey, w.windowSeconds));
    const bytes = reservedBytes(grant);
    if (bytes !== undefined) {
      await this.ledger.release(
        scopeOf(grant, bytes.windows),
        bytes.items.map((item) => item.id),
        taken.charge,
      );
    }
  }

  /** Checks the quota, then reserves the bytes (itself all or nothing), then takes the quota: one synchronous step. */
  private take(grant: GrantTake): GrantVerdict {
    const quota = distinctWindows(grant.quota);
    const counters = quota.map((w) => ({
      key: quotaKey(grant.profile, grant.principalKey, w.windowSeconds),
      limit: w.limit,
      windowMs: w.windowSeconds * 1000,
    }));
    const full = this.store.fullWindow(counters);
    if (full !== undefined) {
      const window = quota[full.index];
      if (window === undefined) throw new RangeError(`store named window ${full.index} of ${quota.length}`);
      return { taken: false, by: 'quota', window, resetInMs: full.resetInMs };
    }
    const bytes = reservedBytes(grant);
    let charge: ImmediateCharge | undefined;
    if (bytes !== undefined) {
      const decision = this.ledger.reserveNow(scopeOf(grant, bytes.windows), bytes.items);
      if (!decision.allowed) {
        const window = bytes.windows.find((w) => w.windowSeconds === decision.windowSeconds && w.limitBytes === decision.limitBytes);
        if (window === undefined) throw new RangeError(`ledger named a window of ${decision.windowSeconds}s that was not asked for`);
        return { taken: false, by: 'bytes', window, retryInMs: decision.retryInMs };
      }
      charge = decision.charge;
    }
    for (const c of counters) this.store.incrementWindowNow(c.key, c.windowMs);
    return charge === undefined ? { taken: true } : { taken: true, charge };
  }
}

function scopeOf(grant: GrantTake, windows: ByteScope['windows']): ByteScope {
  return { profile: grant.profile, principalKey: grant.principalKey, windows };
}
