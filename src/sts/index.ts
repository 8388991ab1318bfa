/**
 * STS client: AssumeRole through @alicloud/sts20150401 with the default credentials chain, an upstream call budget,
 * a circuit breaker and bounded retries; every failure leaves as a BrokerError (upstream_rejected /
 * upstream_unavailable / upstream_throttled). Build it once with createStsClient and inject it.
 */
export { createStsClient } from './assume-role.js';
export type { StsCallOutcome } from './assume-role.js';
export { accessKeyCredential, createSdkClient, sdkRuntimeOptions } from './sdk-client.js';
export type { StsConfig } from './sdk-client.js';
export { mapStsError, DEFAULT_THROTTLE_RETRY_AFTER_SECONDS } from './error-map.js';
export { ruleForCode, STS_ERROR_TABLE } from './error-table.js';
export { withRetry, backoffDelay } from './retry.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type { BreakerState } from './circuit-breaker.js';
export { UpstreamBudget } from './upstream-budget.js';
export { parseAssumeRoleBody, parseExpiration } from './parse-response.js';
