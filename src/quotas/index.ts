/**
 * quotas/: how much each principal may take from a profile, counted in the shared store. Every count fails closed:
 * a store that cannot be reached is a refusal (503), never "allow more than configured".
 * - quotaKey             request quotas (`quota.perPrincipal`): N credentials or forms per window, request-quota.ts
 * - createByteQuota      byte quotas (`quota.bytesPerPrincipal`): a form's bytes settled by its upload callback, and
 *                        usage, byte-quota.ts
 * - createQuotaCounters  the admission (everything a request counts: per-IP and per-principal limits, request quota,
 *                        byte reservation, in one round trip, admission.ts) and the byte ledger (byte-ledger.ts) over
 *                        one set of counters: Lua scripts on Redis, or in memory for local mode
 * - takeQuotas           both quotas of one grant at once, given back together when issuing fails afterwards
 * - createUsageService   GET /v1/usage: the caller's own counters
 */
export { quotaKey } from './request-quota.js';
export { createByteQuota, type ByteQuota, type DeclaredBytes } from './byte-quota.js';
export { createQuotaCounters, type QuotaCounters } from './create-quota-counters.js';
export { takeQuotas, type CountRequest, type TakenQuotas } from './take-quotas.js';
export {
  ipLimitKey,
  principalLimitKey,
  type Admission,
  type AdmissionRequest,
  type AdmissionResult,
  type CountWindow,
  type Counted,
  type GrantTake,
  type GrantVerdict,
} from './admission.js';
export type { ByteItem, ByteWindow, ImmediateCharge } from './byte-ledger.js';
export { createUsageService, type UsageResponse, type UsageService } from './usage-service.js';
