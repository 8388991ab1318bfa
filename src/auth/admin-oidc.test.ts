import { beforeAll, describe, expect, it } from 'vitest';
import { adminOidcSchema } from '../config/schema.js';
import { refusal } from '../../dev/testing/errors.js';
import { fixedClock } from '../../dev/testing/clock.js';
import { AUDIENCE, NOW, b64url, claims, makeKey, sign, type TestKey } from '../../dev/testing/oidc.js';
import { createAdminOidc, type AdminOidc } from './admin-oidc.js';

const ADMIN_AUDIENCE = 'oss-sts-broker-admin';
let key: TestKey;
let admins: AdminOidc;

function adminOidc(overrides: Record<string, unknown> = {}): AdminOidc {
  const config = adminOidcSchema.parse({
    issuer: 'https://idp.example.com/',
    audience: ADMIN_AUDIENCE,
    jwksUri: 'https://idp.example.com/jwks.json',
    requireClaim: { name: 'groups', value: 'broker-admins' },
    ...overrides,
  });
  return createAdminOidc(config, { clock: fixedClock(), localJwks: { keys: [key.publicJwk] } });
}

const adminToken = (overrides: Record<string, unknown> = {}) =>
  sign(key, claims({ aud: ADMIN_AUDIENCE, groups: ['staff', 'broker-admins'], ...overrides }));

async function refused(token: string, detail: string | RegExp): Promise<void> {
  const error = await refusal(admins.identify(token));
  expect(error.code).toBe('unauthenticated');
  if (typeof detail === 'string') expect(error.detail).toBe(detail);
  else expect(error.detail).toMatch(detail);
}

beforeAll(async () => {
  key = await makeKey('RS256', 'admin-1');
  admins = adminOidc();
});

describe('admin sign-in with OIDC', () => {
  it('names an operator whose token carries the admin claim oidc:<sub>, in a list or as a single value', async () => {
    expect(await admins.identify(await adminToken())).toBe('oidc:alice');
    expect(await admins.identify(await adminToken({ sub: 'bob', groups: 'broker-admins' }))).toBe('oidc:bob');
  });

  it('names the operator by the configured claim', async () => {
    const byEmail = adminOidc({ nameClaim: 'email' });
    expect(await byEmail.identify(await adminToken({ email: 'carol@example.com' }))).toBe('oidc:carol@example.com');
  });

  it('refuses a token without the admin value, or with it under another claim', async () => {
    await refused(await adminToken({ groups: ['staff'] }), 'not an admin token: its groups claim lacks the admin value');
    await refused(await adminToken({ groups: undefined, roles: ['broker-admins'] }), /lacks the admin value/);
    await refused(await adminToken({ groups: ['broker-admins-old'] }), /lacks the admin value/);
  });

  it("refuses a user's token for the broker itself (another audience), an expired one and one of another issuer", async () => {
    await refused(await adminToken({ aud: AUDIENCE }), /aud/);
    await refused(await adminToken({ exp: NOW - 3600, iat: NOW - 7200, nbf: NOW - 7200 }), 'token expired');
    await refused(await adminToken({ iss: 'https://elsewhere.example.com/' }), /iss/);
  });

  it('refuses an unsigned token and one signed by another key with the same kid', async () => {
    const header = b64url(JSON.stringify({ alg: 'none', kid: key.kid }));
    const payload = b64url(JSON.stringify(claims({ aud: ADMIN_AUDIENCE, groups: ['broker-admins'] })));
    expect((await refusal(admins.identify(`${header}.${payload}.`))).code).toBe('unauthenticated');
    const other = await makeKey('RS256', key.kid);
    const forged = await sign(other, claims({ aud: ADMIN_AUDIENCE, groups: ['broker-admins'] }));
    expect((await refusal(admins.identify(forged))).code).toBe('unauthenticated');
  });

  it('refuses a name the audit trail cannot hold as it is', async () => {
    for (const sub of ['auth0|123', 'a b', 'x'.repeat(65)]) {
      await refused(await adminToken({ sub }), 'not an admin token: its sub claim must be 1-64 of A-Z a-z 0-9 . _ @ -');
    }
    await refused(await adminToken({ sub: undefined }), /sub/);
  });
});
