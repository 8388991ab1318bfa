import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../src/auth/authenticate.js';
import { createDevIssuer, type DevIssuer } from './dev-issuer.js';
import { BrokerError } from '../../src/errors.js';
import { fixedClock, NOW_MS } from '../testing/clock.js';
import { NOW } from '../testing/oidc.js';

let dev: DevIssuer;
let auth: Authenticator;

beforeAll(async () => {
  dev = await createDevIssuer({ issuer: 'http://127.0.0.1:8080/dev', audience: 'oss-sts-broker', clock: fixedClock() });
  const client = dev.clientConfig('local-users');
  auth = createAuthenticator({ clients: [client], clock: fixedClock(), localJwks: { [client.id]: dev.jwks } });
});

describe('dev issuer', () => {
  it('issues ES256 tokens with the documented claims', async () => {
    const token = await dev.issue({ sub: 'alice', tenant: 'acme' });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: dev.jwks.keys[0]?.kid });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      iss: 'http://127.0.0.1:8080/dev',
      aud: 'oss-sts-broker',
      sub: 'alice',
      tenant: 'acme',
      iat: NOW,
      nbf: NOW,
      exp: NOW + 3600,
    });
    expect(typeof payload.jti).toBe('string');
  });

  it('publishes public keys only', () => {
    expect(dev.jwks.keys).toHaveLength(1);
    const key = dev.jwks.keys[0];
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key && 'd' in key).toBe(false);
  });

  it('its tokens verify through the authenticator', async () => {
    const token = await dev.issue({ sub: 'alice', tenant: 'acme', extraClaims: { dept: 'eng' } });
    await expect(auth.authenticate({ authorization: `Bearer ${token}` })).resolves.toEqual({
      kind: 'user',
      clientId: 'local-users',
      subject: 'alice',
      tenant: 'acme',
      claims: { sub: 'alice', tenant: 'acme' },
      listClaims: { groups: [] },
    });
  });

  it('its tokens carry groups as a list claim', async () => {
    const token = await dev.issue({ sub: 'alice', tenant: 'acme', extraClaims: { groups: ['ops', 'design'] } });
    const principal = await auth.authenticate({ authorization: `Bearer ${token}` });
    expect(principal.listClaims).toEqual({ groups: ['ops', 'design'] });
  });

  it('its tokens expire after ttlSeconds', async () => {
    const token = await dev.issue({ sub: 'alice', tenant: 'acme', ttlSeconds: 60 });
    const later = createAuthenticator({
      clients: [dev.clientConfig('local-users')],
      clock: fixedClock(NOW_MS + 120_000),
      localJwks: { 'local-users': dev.jwks },
    });
    await expect(later.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ detail: 'token expired' });
  });

  it('gives a schema-valid client config', () => {
    expect(dev.clientConfig('local-users')).toMatchObject({
      id: 'local-users',
      type: 'oidc',
      issuer: 'http://127.0.0.1:8080/dev',
      jwksUri: 'http://127.0.0.1:8080/dev/.well-known/jwks.json',
      algorithms: ['ES256'],
      tenantClaim: 'tenant',
      subjectClaim: 'sub',
    });
  });

  it.each([
    ['empty sub', { sub: '', tenant: 'acme' }],
    ['long tenant', { sub: 'a', tenant: 't'.repeat(129) }],
    ['non-string sub', { sub: 42 as unknown as string, tenant: 'acme' }],
    ['zero ttl', { sub: 'a', tenant: 'acme', ttlSeconds: 0 }],
    ['huge ttl', { sub: 'a', tenant: 'acme', ttlSeconds: 86401 }],
    ['reserved extra claim', { sub: 'a', tenant: 'acme', extraClaims: { iss: 'https://evil/' } }],
  ])('refuses %s with invalid_request', async (_name, request) => {
    const err = await dev.issue(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as BrokerError).code).toBe('invalid_request');
  });

  it('refuses a non-URL issuer', async () => {
    await expect(createDevIssuer({ issuer: 'not a url', audience: 'x' })).rejects.toThrow();
  });
});
