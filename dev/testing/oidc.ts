/** Test-only keys and tokens, generated per run: no fixture holds a real secret. */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { clientSchema, type OidcClientConfig } from '../../src/config/schema.js';
import { NOW_MS } from './clock.js';

/** NOW_MS in seconds, as JWT times are written. */
export const NOW = NOW_MS / 1000;

export interface TestKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'oss-sts-broker';

/** A valid payload for ISSUER/AUDIENCE at NOW; override or delete fields per test. */
export function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    tenant: 'acme',
    iat: NOW - 10,
    nbf: NOW - 10,
    exp: NOW + 600,
    ...overrides,
  };
}

export async function sign(key: TestKey, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export function oidcClient(overrides: Record<string, unknown> = {}): OidcClientConfig {
  const parsed = clientSchema.parse({
    id: 'app',
    type: 'oidc',
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'https://idp.example.com/jwks.json',
    tenantClaim: 'tenant',
    ...overrides,
  });
  if (parsed.type !== 'oidc') throw new Error('not oidc');
  return parsed;
}

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
