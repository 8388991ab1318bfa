/**
 * Authentication: who is calling. `createAuthenticator` is what createApp builds; credentials URLs (a secret in the
 * query, for clients that cannot send a header) have their own, used by the GET credentials route. The rest is for
 * the operator CLI and local mode (hashing and generating partner keys and credentials URLs).
 */
export { authenticatorFromConfig, createAuthenticator } from './authenticate.js';
export type { Authenticator, AuthenticatorOptions, AuthHeaders, ReloadableAuthenticator } from './authenticate.js';
export { configuredAdminKeys, createAdminKeys, UNNAMED_ADMIN, type AdminKey, type AdminKeys } from './admin-keys.js';
export { createAdminOidc, OIDC_ACTOR_PREFIX, type AdminOidc } from './admin-oidc.js';
export { createApiKeyAuthenticator, generateApiKey, hashApiKeySecret } from './api-key.js';
export type { ApiKeyAuthenticator, GeneratedApiKey } from './api-key.js';
export { constantTimeEqual } from './constant-time.js';
export { CREDENTIAL_URL_PARAM, createCredentialUrlAuthenticator, generateCredentialUrl } from './credential-url.js';
export type { CredentialUrlAuthenticator, GeneratedCredentialUrl } from './credential-url.js';
export { createOidcVerifier } from './oidc-verifier.js';
export type { OidcVerifier, OidcVerifierOptions } from './oidc-verifier.js';
export { principalKey, type Principal } from './principal.js';
