/** Test-only keys and tokens, generated per run: no fixture holds a real secret. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { clientSchema, type OidcClientConfig } from '../../src/config/schema.js';
import type { Clock } from '../../src/shared/clock.js';

export const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);
export const NOW = NOW_MS / 1000;
export const fixedClock = (ms = NOW_MS): Clock => ({ now: () => ms });

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

/** A JWKS server on loopback whose key set a test can change; counts its requests. */
export interface JwksServer {
  url: string;
  requests: number;
  keys: JWK[];
  /** When set, the server answers with this status instead of the key set. */
  status?: number;
  /** When true, requests are accepted and never answered. */
  hang?: boolean;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: Omit<JwksServer, 'url' | 'close'> = { requests: 0, keys };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    if (state.hang) return;
    if (state.status !== undefined) {
      res.writeHead(state.status).end('nope');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
