/**
 * Local mode's development token issuer (docs/local-mode.md, "Development tokens"). It is a real issuer with a
 * real ES256 key pair generated per run, and its tokens go through the same verifier as production tokens: there
 * is no "skip authentication" switch anywhere (STYLE.md, what to do better than Logto).
 *
 * Its keys live only in memory, but the schema wants a jwksUri or jwksFile. Rather than writing key files to a
 * temp directory, `clientConfig()` returns a schema-valid client whose jwksUri is `<issuer>/.well-known/jwks.json`
 * and local mode passes `localJwks: { [id]: devIssuer.jwks }` to createAuthenticator, which then uses the
 * in-memory set and never fetches. (Local mode may also serve `jwks` at that URL for outside tools.)
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { clientSchema, type OidcClientConfig } from '../../src/config/schema.js';
import { BrokerError } from '../../src/errors.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';

const ALG = 'ES256';
const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 24 * 3600;
/** Set by the issuer itself; a caller of /dev/token cannot override them through extraClaims. */
const RESERVED = new Set(['iss', 'aud', 'sub', 'tenant', 'iat', 'nbf', 'exp', 'jti']);

export interface DevIssuerOptions {
  /** An http(s) URL, as OIDC issuers are; also the base of the nominal jwksUri. */
  issuer: string;
  audience: string;
  clock?: Clock;
}

interface DevTokenRequest {
  sub: string;
  tenant: string;
  /** Default 3600, at most 86400. */
  ttlSeconds?: number;
  extraClaims?: Record<string, unknown>;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** The public key set (one ES256 key with a `kid`); pass it as `localJwks` to createAuthenticator. */
  readonly jwks: JSONWebKeySet;
  issue(request: DevTokenRequest): Promise<string>;
  /**
   * A parsed, schema-valid oidc client for this issuer: ES256 only, subject `sub`, tenant from claim `tenant`, and
   * `groups` as a list claim.
   */
  clientConfig(id: string): OidcClientConfig;
}

export async function createDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const { issuer, audience } = options;
  const clock = options.clock ?? systemClock;
  const url = new URL(issuer);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('dev issuer must be an http(s) URL');

  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `dev-${randomUUID()}`;
  const publicJwk = await exportJWK(publicKey);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] };

  return {
    issuer,
    audience,
    jwks,
    async issue(request) {
      checkValue('sub', request.sub);
      checkValue('tenant', request.tenant);
      const ttl = request.ttlSeconds ?? DEFAULT_TTL_SECONDS;
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
        throw new BrokerError('invalid_request', `ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
      }
      const extra = request.extraClaims ?? {};
      for (const name of Object.keys(extra)) {
        if (RESERVED.has(name)) throw new BrokerError('invalid_request', `extraClaims may not set ${name}`);
      }
      const now = Math.floor(clock.now() / 1000);
      const payload: JWTPayload = { ...extra, tenant: request.tenant };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(request.sub)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + ttl)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    clientConfig(id) {
      const parsed = clientSchema.parse({
        id,
        type: 'oidc',
        issuer,
        audience,
        jwksUri: new URL('.well-known/jwks.json', withTrailingSlash(url)).href,
        algorithms: [ALG],
        tenantClaim: 'tenant',
        // Local mode's team profile builds a folder per group (`${claims.groups}`); /dev/token sets the claim.
        listClaims: ['groups'],
      });
      if (parsed.type !== 'oidc') throw new Error('unreachable: dev issuer client is oidc');
      return parsed;
    },
  };
}

/** Minimal checks only: the broker's rules apply the real character-set checks to sub and tenant. */
function checkValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw new BrokerError('invalid_request', `${name} must be a string of 1 to 128 characters`);
  }
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
