/**
 * Authentication: who is calling. `createAuthenticator` is what createApp builds; the rest is for local mode
 * (dev issuer, key generation) and for an operator CLI (hashing and generating partner keys).
 */
export { createAuthenticator } from './authenticate.js';
export type { Authenticator, AuthenticatorOptions, AuthHeaders } from './authenticate.js';
export { createApiKeyAuthenticator, generateApiKey, hashApiKeySecret } from './api-key.js';
export type { ApiKeyAuthenticator, GeneratedApiKey } from './api-key.js';
export { constantTimeEqual } from './constant-time.js';
export { createDevIssuer } from './dev-issuer.js';
export type { DevIssuer, DevIssuerOptions, DevTokenRequest } from './dev-issuer.js';
export { createOidcVerifier } from './oidc-verifier.js';
export type { OidcVerifier, OidcVerifierOptions } from './oidc-verifier.js';
export type { Principal } from './principal.js';
