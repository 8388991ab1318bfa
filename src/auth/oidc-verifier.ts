/**
 * One verifier per configured OIDC client: the JWT checks of README.md security property 3 (pinned algorithms,
 * issuer, audience, expiry, not-before) done by jose, then the claims reduced to a Principal (claims.ts).
 */
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { OidcClientConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import type { Principal } from './principal.js';
import { principalFromPayload } from './claims.js';
import { isKeySourceFailure, KeySourceUnavailable, fromJoseError } from './jose-errors.js';
import { inSpan } from '../tracing/index.js';

export interface OidcVerifierOptions {
  clock: Clock;
  /** Deadline for one JWKS fetch (jose `timeoutDuration`). Default 5000. */
  fetchTimeoutMs?: number;
  /**
   * Minimum time between two JWKS fetches triggered by an unknown `kid` (jose `cooldownDuration`). Default 30000:
   * a token with a made-up `kid` must not let anyone make us hammer the identity provider.
   */
  jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again (jose `cacheMaxAge`). Default 600000. */
  jwksCacheMaxAgeMs?: number;
  /**
   * An in-memory key set used instead of the client's jwksUri / jwksFile. For local mode's development issuer,
   * whose keys exist only in memory (see dev-issuer.ts); never set from the configuration file.
   */
  localJwks?: JSONWebKeySet;
}

export interface OidcVerifier {
  readonly client: OidcClientConfig;
  /** Verifies a compact JWS and returns the user Principal; throws BrokerError on every failure. */
  verify(token: string): Promise<Principal>;
}

/** One issuer's JWT settings: a user client's (`clients[]`) or the admin API's (`server.adminOidc`). */
export type JwtIssuer = Pick<OidcClientConfig, 'issuer' | 'audience' | 'jwksUri' | 'jwksFile' | 'algorithms' | 'clockToleranceSeconds'> & {
  /** Names the issuer in errors and spans: the client id, or `admin`. */
  id: string;
};

/** Verifies a compact JWS against `issuer`'s settings and returns its payload; throws BrokerError on every failure. */
export function createJwtPayloadVerifier(issuer: JwtIssuer, options: OidcVerifierOptions): (token: string) => Promise<JWTPayload> {
  const getKey = keySourceFor(issuer, options);
  const { clock } = options;
  // Copied once so a later change to the (frozen anyway) config array cannot widen what we accept.
  const algorithms = [...issuer.algorithms];
  const audience = typeof issuer.audience === 'string' ? issuer.audience : [...issuer.audience];
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, getKey, {
        // Pinned: a token whose header says `none`, `HS256` (signed with our public key as the HMAC secret, the
        // classic key-type confusion) or any alg outside this list is refused before a key is even looked up.
        algorithms,
        issuer: issuer.issuer,
        audience,
        // jose checks `exp` only when present; a token that never expires is not one we accept.
        requiredClaims: ['exp'],
        clockTolerance: issuer.clockToleranceSeconds,
        currentDate: new Date(clock.now()),
      });
      return payload;
    } catch (err) {
      throw fromJoseError(err);
    }
  };
}

export function createOidcVerifier(client: OidcClientConfig, options: OidcVerifierOptions): OidcVerifier {
  const verifyPayload = createJwtPayloadVerifier(client, options);
  const verify = async (token: string) => principalFromPayload(client, await verifyPayload(token));
  return {
    client,
    verify: (token) => inSpan('jwt.verify', { attributes: { 'broker.client_id': client.id } }, () => verify(token)),
  };
}

function keySourceFor(client: JwtIssuer, options: OidcVerifierOptions): JWTVerifyGetKey {
  if (options.localJwks !== undefined) return createLocalJWKSet(requirePublicKeySet(options.localJwks, client.id));
  if (client.jwksFile !== undefined) {
    // Read once, at start-up: a missing or malformed file is a configuration error and stops the broker there.
    const jwks = JSON.parse(readFileSync(client.jwksFile, 'utf8')) as JSONWebKeySet;
    return createLocalJWKSet(requirePublicKeySet(jwks, client.id));
  }
  if (client.jwksUri === undefined) throw new Error(`client ${client.id}: set jwksUri or jwksFile`);

  const remote = createRemoteJWKSet(new URL(client.jwksUri), {
    timeoutDuration: options.fetchTimeoutMs ?? 5000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
    // jose fetches only on a cache miss or an unknown `kid`; this span marks exactly those fetches.
    [customFetch]: (url, init) =>
      inSpan('jwks.fetch', { attributes: { 'broker.client_id': client.id, 'url.full': jwksUrlForSpan(url) } }, async (span) => {
        const response = await fetch(url, init);
        span.setAttribute('http.response.status_code', response.status);
        return response;
      }),
  });
  // jose refetches on an unknown `kid` (key rotation) and caches in between. Failures of the fetch itself are
  // tagged here, the one place that can tell them apart from "this token matches no key".
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      throw isKeySourceFailure(err) ? new KeySourceUnavailable(err) : err;
    }
  };
}

/**
 * A verification key set must hold public asymmetric keys only. jose would refuse a private or symmetric member
 * at the first token; checking here turns that into a start-up error naming the client.
 */
function requirePublicKeySet(jwks: JSONWebKeySet, clientId: string): JSONWebKeySet {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    throw new Error(`client ${clientId}: JWKS must be an object with a "keys" array`);
  }
  for (const key of jwks.keys) {
    if (key.kty === 'oct' || 'd' in key || 'k' in key) {
      throw new Error(`client ${clientId}: JWKS must contain public keys only (kid ${String(key.kid)})`);
    }
  }
  return jwks;
}

/** The JWKS URL without credentials or query, should an operator ever put one there. */
function jwksUrlForSpan(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
