/** The credential-issuing use case: rules, policy, quota, cache and STS in order. */
export { createCredentialService, principalKey, type CredentialService } from './credential-service.js';
export type { CredentialResponse } from './responses.js';
