/**
 * The authentication step of every caller route: exactly one credential, a bearer JWT for app users or
 * an API key for partners, in, a Principal out. Built once in createApp from the configured clients.
 *
 * Every 401 carries the same `unauthenticated` code; the HTTP layer adds `WWW-Authenticate: Bearer` to every 401
 * (RFC 6750 section 3), so nothing here needs to pass header hints around, and error bodies stay free of them.
 */
import type { JSONWebKeySet } from 'jose';
import type { ApiKeyClientConfig, BrokerConfig, ClientConfig, OidcClientConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { createApiKeyAuthenticator } from './api-key.js';
import { createOidcRouter } from './oidc-router.js';
import { createOidcVerifier } from './oidc-verifier.js';
import type { Principal } from './principal.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

export interface AuthenticatorOptions {
  clients: readonly ClientConfig[];
  clock: Clock;
  /** Deadline for one JWKS fetch. Default 5000. */
  fetchTimeoutMs?: number;
  /** Minimum time between JWKS refetches caused by an unknown `kid`. Default 30000. */
  jwksCooldownMs?: number;
  /** How long a fetched JWKS is trusted before refetching. Default 600000. */
  jwksCacheMaxAgeMs?: number;
  /**
   * In-memory key sets by client id, used instead of that client's jwksUri / jwksFile. Only local mode sets it,
   * for the development issuer whose keys are generated per run (dev-issuer.ts); a key set for an unknown or
   * non-OIDC client id is a programming error and throws.
   */
  localJwks?: Readonly<Record<string, JSONWebKeySet>>;
  /** How many verified JWTs to remember (verified-token-cache.ts); 0 verifies every request. Default 10000. */
  verifiedTokenCacheEntries?: number;
}

/** Request headers as Node lower-cases them. Repeated headers should already be refused by the HTTP layer. */
export interface AuthHeaders {
  authorization?: string;
  'x-api-key'?: string;
}

export interface Authenticator {
  authenticate(headers: AuthHeaders): Promise<Principal>;
}

/** The authenticator as createAuthenticator builds it: its partner keys can be replaced while it runs. */
export interface ReloadableAuthenticator extends Authenticator {
  /**
   * Replaces every partner key (a refreshed BROKER_API_KEYS, already checked against the configuration): requests
   * from now on see the new set; a key removed stops working at once. Throws, keeping the old set, on a key id
   * given to two clients.
   */
  setApiKeyClients(clients: readonly ApiKeyClientConfig[]): void;
}

/** RFC 6750 `b64token` would allow more, but a JWS compact serialization is base64url segments joined by dots. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/**
 * The authenticator as the broker runs it: the configured clients, and the verified-JWT memo sized like the other
 * in-process memos, by `cache.l1MaxEntries` (an LRU smaller than the active principals misses on every request).
 */
export function authenticatorFromConfig(
  config: Readonly<BrokerConfig>,
  options: Omit<AuthenticatorOptions, 'clients' | 'verifiedTokenCacheEntries'>,
): ReloadableAuthenticator {
  return createAuthenticator({ ...options, clients: config.clients, verifiedTokenCacheEntries: config.cache.l1MaxEntries });
}

export function createAuthenticator(options: AuthenticatorOptions): ReloadableAuthenticator {
  const oidcClients = options.clients.filter((c): c is OidcClientConfig => c.type === 'oidc');
  const apiKeyClients = options.clients.filter((c): c is ApiKeyClientConfig => c.type === 'apiKey');
  const localJwks = options.localJwks ?? {};
  for (const id of Object.keys(localJwks)) {
    if (!oidcClients.some((c) => c.id === id)) {
      throw new Error(`localJwks given for ${id}, which is not an oidc client`);
    }
  }

  const oidc = createOidcRouter(
    oidcClients.map((client) =>
      createOidcVerifier(client, {
        clock: options.clock,
        fetchTimeoutMs: options.fetchTimeoutMs,
        jwksCooldownMs: options.jwksCooldownMs,
        jwksCacheMaxAgeMs: options.jwksCacheMaxAgeMs,
        localJwks: Object.hasOwn(localJwks, client.id) ? localJwks[client.id] : undefined,
      }),
    ),
  );
  let apiKeys = createApiKeyAuthenticator(apiKeyClients);
  const verified = createVerifiedTokenCache({ clock: options.clock, maxEntries: options.verifiedTokenCacheEntries });

  return {
    setApiKeyClients(clients) {
      apiKeys = createApiKeyAuthenticator(clients);
    },

    async authenticate(headers) {
      const { authorization, 'x-api-key': apiKey } = headers;
      // Two credentials could name two different principals; picking one silently would be a guess.
      if (authorization !== undefined && apiKey !== undefined) {
        throw new BrokerError('unauthenticated', 'send either a bearer token or an API key, not both');
      }
      if (apiKey !== undefined) {
        if (!apiKeys.enabled) throw new BrokerError('unauthenticated', 'API keys are not accepted');
        return apiKeys.authenticate(apiKey.trim());
      }
      if (authorization !== undefined) {
        const token = BEARER.exec(authorization.trim())?.[1];
        if (token === undefined) {
          throw new BrokerError('unauthenticated', 'Authorization must be "Bearer <token>"');
        }
        if (!oidc.enabled) throw new BrokerError('unauthenticated', 'bearer tokens are not accepted');
        const known = verified.get(token);
        if (known !== undefined) return known;
        const principal = await oidc.verify(token);
        verified.remember(token, principal);
        return principal;
      }
      throw new BrokerError('unauthenticated', 'authentication required');
    },
  };
}
