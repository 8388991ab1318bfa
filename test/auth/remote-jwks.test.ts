/** Remote JWKS against a real HTTP server on loopback: caching, key rotation, and an unreachable identity provider. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type OidcVerifierOptions } from '../../src/auth/oidc-verifier.js';
import { refusal } from '../../dev/testing/errors.js';
import { fixedClock } from '../../dev/testing/clock.js';
import { claims, makeKey, oidcClient, sign, type TestKey } from '../../dev/testing/oidc.js';
import { startJwksServer, type JwksServer } from './helpers.js';

let keyA: TestKey;
let keyB: TestKey;
let server: JwksServer | undefined;

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([makeKey('RS256', 'key-a'), makeKey('RS256', 'key-b')]);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function remoteVerifier(url: string, options: Partial<OidcVerifierOptions> = {}) {
  return createOidcVerifier(oidcClient({ jwksUri: url }), { clock: fixedClock(), ...options });
}

describe('remote JWKS', () => {
  it('fetches the key set once and serves later tokens from the cache', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    const v = remoteVerifier(server.url);
    await v.verify(await sign(keyA, claims()));
    await v.verify(await sign(keyA, claims({ sub: 'bob' })));
    expect(server.requests).toBe(1);
  });

  it('follows key rotation: a token with a new kid makes jose refetch and is accepted', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    const v = remoteVerifier(server.url, { jwksCooldownMs: 0 });
    await v.verify(await sign(keyA, claims()));
    expect(server.requests).toBe(1);

    server.keys = [keyA.publicJwk, keyB.publicJwk];
    await expect(v.verify(await sign(keyB, claims()))).resolves.toMatchObject({ subject: 'alice' });
    expect(server.requests).toBe(2);
  });

  it('stops accepting a key the provider dropped once the cached set expires', async () => {
    server = await startJwksServer([keyA.publicJwk, keyB.publicJwk]);
    const v = remoteVerifier(server.url, { jwksCacheMaxAgeMs: 0 });
    await v.verify(await sign(keyA, claims()));
    server.keys = [keyB.publicJwk];
    const err = await refusal(v.verify(await sign(keyA, claims())));
    expect(err.detail).toBe('no matching signing key');
    await expect(v.verify(await sign(keyB, claims({ sub: 'bob' })))).resolves.toEqual({
      kind: 'user',
      clientId: 'app',
      subject: 'bob',
      tenant: 'acme',
      claims: { sub: 'bob', tenant: 'acme' },
    });
  });

  it('does not refetch on an unknown kid within the cooldown (no amplification of made-up kids)', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    const v = remoteVerifier(server.url); // default cooldown 30 s
    await v.verify(await sign(keyA, claims()));
    server.keys = [keyA.publicJwk, keyB.publicJwk];
    const err = await refusal(v.verify(await sign(keyB, claims())));
    expect(err.code).toBe('unauthenticated');
    expect(err.detail).toBe('no matching signing key');
    expect(server.requests).toBe(1);
  });

  it('maps an unreachable JWKS endpoint to upstream_unavailable, not 401', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    const url = server.url;
    await server.close();
    server = undefined;
    const err = await refusal(remoteVerifier(url).verify(await sign(keyA, claims())));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.status).toBe(503);
    expect(err.detail).toBe('identity provider keys unavailable');
    expect(err.retryAfterSeconds).toBe(5);
    // The refused connection itself (fetch's TypeError), kept for the log and never shown to the caller.
    expect(err.cause).toBeInstanceOf(TypeError);
    expect((err.cause as Error).message).toBe('fetch failed');
  });

  it('maps a JWKS fetch timeout to upstream_unavailable', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    server.hang = true;
    const err = await refusal(remoteVerifier(server.url, { fetchTimeoutMs: 150 }).verify(await sign(keyA, claims())));
    expect(err.code).toBe('upstream_unavailable');
    expect((err.cause as Error).name).toBe('JWKSTimeout');
  });

  it('maps a JWKS endpoint answering 500 to upstream_unavailable', async () => {
    server = await startJwksServer([keyA.publicJwk]);
    server.status = 500;
    const err = await refusal(remoteVerifier(server.url).verify(await sign(keyA, claims())));
    expect(err.code).toBe('upstream_unavailable');
  });

  it('maps a JWKS endpoint answering a malformed key set to upstream_unavailable', async () => {
    server = await startJwksServer([]);
    (server as { keys: unknown }).keys = 'not keys';
    const err = await refusal(remoteVerifier(server.url).verify(await sign(keyA, claims())));
    expect(err.code).toBe('upstream_unavailable');
  });
});
