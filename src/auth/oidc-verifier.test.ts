import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type OidcVerifier } from './oidc-verifier.js';
import type { BrokerError } from '../errors.js';
import { refusal } from '../../dev/testing/errors.js';
import { fixedClock } from '../../dev/testing/clock.js';
import { AUDIENCE, NOW, b64url, claims, makeKey, oidcClient, sign, type TestKey } from '../../dev/testing/oidc.js';

let rsa: TestKey;
let ec: TestKey;
let otherRsa: TestKey;

beforeAll(async () => {
  [rsa, ec, otherRsa] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1')]);
});

function verifier(overrides: Record<string, unknown> = {}, keys: JWK[] = [rsa.publicJwk, ec.publicJwk]): OidcVerifier {
  return createOidcVerifier(oidcClient({ algorithms: ['RS256', 'ES256'], ...overrides }), {
    clock: fixedClock(),
    localJwks: { keys },
  });
}

async function expectUnauthenticated(v: OidcVerifier, token: string, detail: string): Promise<BrokerError> {
  const err = await refusal(v.verify(token));
  expect(err.code).toBe('unauthenticated');
  expect(err.status).toBe(401);
  expect(err.detail).toBe(detail);
  // The token (or any of its segments) never appears in what may be shown or logged as the message.
  for (const part of token.split('.').filter((p) => p.length > 8)) {
    expect(err.message).not.toContain(part);
    expect(JSON.stringify(err.extensions)).not.toContain(part);
  }
  return err;
}

describe('oidc verifier: valid tokens', () => {
  it('accepts an RS256 token and builds the user principal', async () => {
    const principal = await verifier().verify(await sign(rsa, claims()));
    expect(principal).toEqual({
      kind: 'user',
      clientId: 'app',
      subject: 'alice',
      tenant: 'acme',
      claims: { sub: 'alice', tenant: 'acme' },
    });
  });

  it('accepts an ES256 token', async () => {
    const principal = await verifier().verify(await sign(ec, claims({ sub: 'bob' })));
    expect(principal.subject).toBe('bob');
  });

  it('accepts a token whose aud array contains one of the configured audiences', async () => {
    const v = verifier({ audience: ['other', AUDIENCE] });
    await expect(v.verify(await sign(rsa, claims({ aud: ['x', AUDIENCE] })))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('reads subject and template claims from configured names, numbers become strings', async () => {
    const v = verifier({ subjectClaim: 'uid', templateClaims: ['dept', 'sub'] });
    const principal = await v.verify(await sign(rsa, claims({ uid: 12345, dept: 'eng', sub: 'raw-sub' })));
    expect(principal.subject).toBe('12345');
    // The configured subject wins over a template claim that happens to be called `sub`.
    expect(principal.claims).toEqual({ dept: 'eng', sub: '12345', tenant: 'acme' });
  });

  it('uses a fixed tenant for single-tenant issuers, ignoring any tenant claim', async () => {
    const v = verifier({ tenantClaim: undefined, tenant: 'solo' });
    const principal = await v.verify(await sign(rsa, claims({ tenant: 'evil' })));
    expect(principal.tenant).toBe('solo');
    expect(principal.claims.tenant).toBe('solo');
  });
});

describe('oidc verifier: time', () => {
  it('refuses an expired token', async () => {
    await expectUnauthenticated(verifier(), await sign(rsa, claims({ exp: NOW - 31 })), 'token expired');
  });

  it('accepts a token expired within the clock tolerance (30 s)', async () => {
    await expect(verifier().verify(await sign(rsa, claims({ exp: NOW - 20, sub: 'late' })))).resolves.toEqual({
      kind: 'user',
      clientId: 'app',
      subject: 'late',
      tenant: 'acme',
      claims: { sub: 'late', tenant: 'acme' },
    });
  });

  it('refuses a token without exp', async () => {
    const payload = claims();
    delete payload.exp;
    await expectUnauthenticated(verifier(), await sign(rsa, payload), 'token lacks claim exp');
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    await expectUnauthenticated(verifier(), await sign(rsa, claims({ nbf: NOW + 60 })), 'token not yet valid');
  });

  it('accepts nbf within the clock tolerance', async () => {
    await expect(verifier().verify(await sign(rsa, claims({ nbf: NOW + 20, sub: 'early' })))).resolves.toEqual({
      kind: 'user',
      clientId: 'app',
      subject: 'early',
      tenant: 'acme',
      claims: { sub: 'early', tenant: 'acme' },
    });
  });

  it('honours a tolerance of 0', async () => {
    await expectUnauthenticated(verifier({ clockToleranceSeconds: 0 }), await sign(rsa, claims({ exp: NOW })), 'token expired');
  });

  it('takes "now" from the injected clock', async () => {
    const token = await sign(rsa, claims({ exp: NOW + 600 }));
    const later = createOidcVerifier(oidcClient({ algorithms: ['RS256'] }), {
      clock: fixedClock((NOW + 3600) * 1000),
      localJwks: { keys: [rsa.publicJwk] },
    });
    await expectUnauthenticated(later, token, 'token expired');
  });
});

describe('oidc verifier: issuer, audience, signature', () => {
  it('refuses a wrong issuer', async () => {
    await expectUnauthenticated(verifier(), await sign(rsa, claims({ iss: 'https://evil.example/' })), 'issuer not accepted');
  });

  it('refuses a wrong audience', async () => {
    await expectUnauthenticated(verifier(), await sign(rsa, claims({ aud: 'someone-else' })), 'audience not accepted');
  });

  it('refuses a token signed by another key with the same kid', async () => {
    await expectUnauthenticated(verifier(), await sign(otherRsa, claims()), 'signature invalid');
  });

  it('refuses a token whose kid is not in the key set', async () => {
    await expectUnauthenticated(verifier(), await sign(rsa, claims(), { kid: 'nope' }), 'no matching signing key');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await sign(rsa, claims())).split('.');
    const forged = `${h}.${b64url(JSON.stringify(claims({ sub: 'admin' })))}.${s}`;
    await expectUnauthenticated(verifier(), forged, 'signature invalid');
  });

  it('refuses garbage', async () => {
    await expectUnauthenticated(verifier(), 'a.b.c', 'token malformed');
  });
});

describe('oidc verifier: algorithm attacks (invariant 3)', () => {
  it('refuses alg: none', async () => {
    const token = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims()))}.`;
    await expectUnauthenticated(verifier(), token, 'token algorithm not accepted');
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret (key-type confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, Buffer.from(JSON.stringify(rsa.publicJwk))]) {
      const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: rsa.kid }))}.${b64url(JSON.stringify(claims()))}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await expectUnauthenticated(verifier({ algorithms: ['RS256'] }), token, 'token algorithm not accepted');
    }
  });

  it('refuses an algorithm outside the pinned list (ES256 token, RS256-only client)', async () => {
    await expectUnauthenticated(verifier({ algorithms: ['RS256'] }), await sign(ec, claims()), 'token algorithm not accepted');
  });
});

describe('oidc verifier: claims', () => {
  const cases: Array<[string, JWTPayload, Record<string, unknown>, string]> = [
    ['missing subject', { sub: undefined }, {}, 'token lacks claim sub'],
    ['missing tenant', { tenant: undefined }, {}, 'token lacks claim tenant'],
    ['null tenant', { tenant: null }, {}, 'token lacks claim tenant'],
    ['empty subject', { sub: '' }, {}, 'token claim sub is empty'],
    ['array tenant', { tenant: ['a', 'b'] }, {}, 'token claim tenant is not a string'],
    ['object tenant', { tenant: { name: 'acme' } }, {}, 'token claim tenant is not a string'],
    ['boolean subject claim', { admin: true }, { subjectClaim: 'admin' }, 'token claim admin is not a string'],
    ['missing template claim', {}, { templateClaims: ['dept'] }, 'token lacks claim dept'],
    ['inherited property name', {}, { templateClaims: ['constructor'] }, 'token lacks claim constructor'],
  ];
  it.each(cases)('refuses %s', async (_name, overrides, config, detail) => {
    const payload = claims(overrides);
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    await expectUnauthenticated(verifier(config), await sign(rsa, payload), detail);
  });
});

describe('oidc verifier: key sources', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auth-jwks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a local JWKS file once at construction', async () => {
    const file = join(dir, 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [rsa.publicJwk] }));
    const v = createOidcVerifier(oidcClient({ jwksUri: undefined, jwksFile: file }), { clock: fixedClock() });
    await rm(file);
    await expect(v.verify(await sign(rsa, claims()))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses at construction a JWKS file that holds a private key', async () => {
    const file = join(dir, 'private.json');
    await writeFile(file, JSON.stringify({ keys: [{ ...rsa.publicJwk, d: 'AAAA' }] }));
    expect(() => createOidcVerifier(oidcClient({ jwksUri: undefined, jwksFile: file }), { clock: fixedClock() })).toThrow(
      /public keys only/,
    );
  });

  it('refuses at construction a missing JWKS file', () => {
    expect(() =>
      createOidcVerifier(oidcClient({ jwksUri: undefined, jwksFile: join(dir, 'absent.json') }), { clock: fixedClock() }),
    ).toThrow();
  });
});
