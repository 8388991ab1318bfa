/**
 * Authentication: who is calling. `createAuthenticator` is what createApp builds; the rest is for the operator
 * CLI and local mode (hashing and generating partner keys).
 */
export { createAuthenticator } from './authenticate.js';
export type { Authenticator } from './authenticate.js';
export { generateApiKey, hashApiKeySecret } from './api-key.js';
export type { Principal } from './principal.js';
