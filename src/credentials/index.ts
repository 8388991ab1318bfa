/** The credential-issuing use case: rules, policy, quota, cache and STS in order. */
export { createCredentialService, type CredentialService, type RecordHandOut, type RequestContext } from './credential-service.js';
export type { CredentialResponse, DryRunResponse } from './responses.js';
