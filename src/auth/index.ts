/**
 * Authentication: who is calling. `createAuthenticator` is what createApp builds; the rest is for the operator
 * CLI and local mode (hashing and generating partner keys).
 */
export { createAuthenticator } from './authenticate.js';
export type { Authenticator, AuthenticatorOptions, AuthHeaders } from './authenticate.js';
export { createApiKeyAuthenticator, generateApiKey, hashApiKeySecret } from './api-key.js';
export type { ApiKeyAuthenticator, GeneratedApiKey } from './api-key.js';
export { constantTimeEqual } from './constant-time.js';
export { createOidcVerifier } from './oidc-verifier.js';
export type { OidcVerifier, OidcVerifierOptions } from './oidc-verifier.js';
export { principalKey, type Principal } from './principal.js';
