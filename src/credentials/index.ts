/** The credential-issuing use case: rules, policy, quota, cache and STS in order. */
export { createCredentialService, type CredentialService, type RecordHandOut, type RequestContext } from './credential-service.js';
export { credentialResponseJson, type CredentialResponse, type DryRunResponse } from './responses.js';
