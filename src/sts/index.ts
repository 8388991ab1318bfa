/**
 * STS client: AssumeRole through @alicloud/sts20150401 with the default credentials chain, a circuit breaker, a
 * per-replica and an account-wide (shared store) call budget, and bounded retries; every failure leaves as a
 * BrokerError (upstream_rejected / upstream_unavailable / upstream_throttled / store_unavailable). Build it once with
 * createStsClient and inject it. Also the `cloud_identity` readiness check (GetCallerIdentity, never AssumeRole).
 */
export type { AssumeRoleInput, StsClient, StsCredentials } from './types.js';
export { assumeRoleDeadlineMs, createStsClient, retryDeadlineMs } from './assume-role.js';
export type { CreateStsClientOptions, StsCallOutcome, StsLogger } from './assume-role.js';
export { accessKeyCredential, createSdkClient, createSdkTransport, sdkRuntimeOptions } from './sdk-client.js';
export type {
  RawAssumeRoleBody,
  SdkClientOptions,
  SdkCredential,
  StsConfig,
  StsSdkClient,
  StsTransport,
} from './sdk-client.js';
export { describeCause, mapStsError, DEFAULT_THROTTLE_RETRY_AFTER_SECONDS } from './error-map.js';
export type { MappedStsError } from './error-map.js';
export { ruleForCode, STS_ERROR_TABLE } from './error-table.js';
export { withRetry, backoffDelay } from './retry.js';
export { BreakerOpenError, CircuitBreaker } from './circuit-breaker.js';
export type { BreakerState, CircuitBreakerOptions, StillAdmitted } from './circuit-breaker.js';
export { BudgetRefusedError, UpstreamBudget } from './upstream-budget.js';
export { accountBudgetKey, createAccountBudget } from './account-budget.js';
export type { AccountBudget, AccountBudgetOptions } from './account-budget.js';
export type { UpstreamBudgetOptions } from './upstream-budget.js';
export { parseAssumeRoleBody, parseExpiration } from './parse-response.js';
export { callerIdentityFailure, createCallerIdentityCall } from './caller-identity.js';
export type { CallerIdentity, CallerIdentityCall, IdentityCheckOutcome, IdentityFailureReason } from './caller-identity.js';
export { createIdentityReadiness } from './identity-readiness.js';
export type { IdentityReadiness, IdentityReadinessOptions, IdentityReadinessStatus } from './identity-readiness.js';
