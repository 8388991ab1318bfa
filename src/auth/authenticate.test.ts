import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from './api-key.js';
import { createAuthenticator, type Authenticator, type AuthHeaders } from './authenticate.js';
import { clientSchema, type ApiKeyClientConfig, type ClientConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { fixedClock } from '../../dev/testing/clock.js';
import { b64url, claims, makeKey, oidcClient, sign, type TestKey } from '../../dev/testing/oidc.js';

const partner = generateApiKey('partner-key');
const partnerClient = clientSchema.parse({
  id: 'partner1',
  type: 'apiKey',
  tenant: 'partner1',
  keys: [{ id: partner.keyId, sha256: partner.sha256 }],
});

let web: TestKey;
let mobile: TestKey;
let second: TestKey;
let auth: Authenticator;

const MOBILE_ISS = 'https://login.mobile.example/';
const SECOND_AUD_ISS = 'https://shared.example/';

beforeAll(async () => {
  [web, mobile, second] = await Promise.all([makeKey('RS256', 'web'), makeKey('ES256', 'mobile'), makeKey('RS256', 'b')]);
  const clients: ClientConfig[] = [
    oidcClient({ id: 'web' }),
    oidcClient({ id: 'mobile', issuer: MOBILE_ISS, audience: 'mobile-app', algorithms: ['ES256'], tenantClaim: 'org' }),
    // Two clients of one issuer, told apart by audience.
    oidcClient({ id: 'shared-a', issuer: SECOND_AUD_ISS, audience: 'aud-a' }),
    oidcClient({ id: 'shared-b', issuer: SECOND_AUD_ISS, audience: 'aud-b', tenantClaim: undefined, tenant: 'fixed-b' }),
    partnerClient,
  ];
  auth = createAuthenticator({
    clients,
    clock: fixedClock(),
    localJwks: {
      web: { keys: [web.publicJwk] },
      mobile: { keys: [mobile.publicJwk] },
      'shared-a': { keys: [second.publicJwk] },
      'shared-b': { keys: [second.publicJwk] },
    },
  });
});

async function refusal(headers: AuthHeaders, a: Authenticator = auth): Promise<BrokerError> {
  const err = await a.authenticate(headers).then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BrokerError);
  expect((err as BrokerError).code).toBe('unauthenticated');
  return err as BrokerError;
}

describe('authenticate: credentials', () => {
  it('accepts a bearer token', async () => {
    const token = await sign(web, claims());
    await expect(auth.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({
      kind: 'user',
      clientId: 'web',
      subject: 'alice',
    });
  });

  it('accepts the bearer scheme case-insensitively (RFC 7235)', async () => {
    const token = await sign(web, claims());
    await expect(auth.authenticate({ authorization: `bearer ${token}` })).resolves.toMatchObject({ clientId: 'web' });
  });

  it('accepts an API key', async () => {
    await expect(auth.authenticate({ 'x-api-key': partner.header })).resolves.toMatchObject({
      kind: 'partner',
      clientId: 'partner1',
      subject: 'partner-key',
    });
  });

  it('replaces its partner keys while it runs: an added key works and a removed one stops at once', async () => {
    const reloadable = createAuthenticator({ clients: [partnerClient], clock: fixedClock() });
    const added = generateApiKey('added-key');
    reloadable.setApiKeyClients([
      clientSchema.parse({ ...partnerClient, keys: [{ id: added.keyId, sha256: added.sha256 }] }) as ApiKeyClientConfig,
    ]);
    await expect(reloadable.authenticate({ 'x-api-key': added.header })).resolves.toMatchObject({ subject: 'added-key' });
    expect((await refusal({ 'x-api-key': partner.header }, reloadable)).detail).toBe('invalid API key');
  });

  it('refuses both credentials at once', async () => {
    const token = await sign(web, claims());
    const err = await refusal({ authorization: `Bearer ${token}`, 'x-api-key': partner.header });
    expect(err.detail).toBe('send either a bearer token or an API key, not both');
  });

  it('refuses no credential', async () => {
    expect((await refusal({})).detail).toBe('authentication required');
  });

  it.each([
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['no token', 'Bearer '],
    ['not a JWS', 'Bearer abc'],
    ['bad characters', 'Bearer a.b.c!'],
    ['empty', ''],
  ])('refuses a malformed Authorization header: %s', async (_name, authorization) => {
    expect((await refusal({ authorization })).detail).toBe('Authorization must be "Bearer <token>"');
  });

  it('refuses an API key it cannot parse or does not know', async () => {
    expect((await refusal({ 'x-api-key': 'garbage' })).detail).toBe('malformed API key');
    expect((await refusal({ 'x-api-key': `${partner.keyId}.wrong` })).detail).toBe('invalid API key');
  });

  it('refuses alg: none through the whole path', async () => {
    const token = `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(claims()))}.`;
    expect((await refusal({ authorization: `Bearer ${token}` })).detail).toBe('token algorithm not accepted');
  });

  it('refuses a kind of credential no client is configured for', async () => {
    const onlyKeys = createAuthenticator({ clients: [partnerClient], clock: fixedClock() });
    const token = await sign(web, claims());
    expect((await refusal({ authorization: `Bearer ${token}` }, onlyKeys)).detail).toBe('bearer tokens are not accepted');
    const onlyOidc = createAuthenticator({ clients: [oidcClient()], clock: fixedClock() });
    expect((await refusal({ 'x-api-key': partner.header }, onlyOidc)).detail).toBe('API keys are not accepted');
  });
});

describe('authenticate: routing between OIDC clients', () => {
  it('routes by issuer to the matching client', async () => {
    const token = await sign(mobile, claims({ iss: MOBILE_ISS, aud: 'mobile-app', org: 'org-9' }));
    await expect(auth.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({
      clientId: 'mobile',
      tenant: 'org-9',
    });
  });

  it('verifies with the routed client only: a web key cannot sign for the mobile issuer', async () => {
    const token = await sign(web, claims({ iss: MOBILE_ISS, aud: 'mobile-app', org: 'o' }));
    expect((await refusal({ authorization: `Bearer ${token}` })).detail).toBe('token algorithm not accepted');
  });

  it('routes by audience when clients share an issuer', async () => {
    const a = await sign(second, claims({ iss: SECOND_AUD_ISS, aud: 'aud-a' }));
    const b = await sign(second, claims({ iss: SECOND_AUD_ISS, aud: 'aud-b' }));
    await expect(auth.authenticate({ authorization: `Bearer ${a}` })).resolves.toMatchObject({ clientId: 'shared-a', tenant: 'acme' });
    await expect(auth.authenticate({ authorization: `Bearer ${b}` })).resolves.toMatchObject({ clientId: 'shared-b', tenant: 'fixed-b' });
    const neither = await sign(second, claims({ iss: SECOND_AUD_ISS, aud: 'aud-c' }));
    expect((await refusal({ authorization: `Bearer ${neither}` })).detail).toBe('audience not accepted');
  });

  it('refuses an unknown issuer', async () => {
    const token = await sign(web, claims({ iss: 'https://unknown.example/' }));
    expect((await refusal({ authorization: `Bearer ${token}` })).detail).toBe('issuer not accepted');
  });

  it('refuses a token without iss', async () => {
    const payload = claims();
    delete payload.iss;
    const token = await sign(web, payload);
    expect((await refusal({ authorization: `Bearer ${token}` })).detail).toBe('issuer not accepted');
  });

  it('refuses an over-long token before parsing it', async () => {
    const token = `${'a'.repeat(9000)}.${'b'.repeat(9000)}.c`;
    expect((await refusal({ authorization: `Bearer ${token}` })).detail).toBe('token too large');
  });

  it('refuses at construction two clients accepting the same issuer and audience', () => {
    expect(() => createAuthenticator({ clients: [oidcClient({ id: 'one' }), oidcClient({ id: 'two' })], clock: fixedClock() })).toThrow(
      /both accept issuer/,
    );
  });

  it('refuses at construction a localJwks entry for a client that is not oidc', () => {
    expect(() => createAuthenticator({ clients: [partnerClient], clock: fixedClock(), localJwks: { partner1: { keys: [] } } })).toThrow(
      /not an oidc client/,
    );
  });
});
