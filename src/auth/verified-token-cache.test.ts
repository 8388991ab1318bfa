import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './index.js';
import { createDevIssuer } from '../../dev/issuer/dev-issuer.js';
import { changeCharAt } from '../../dev/testing/tamper.js';

/** A clock the test moves; the issuer and the authenticator share it. */
function manualClock() {
  const clock = { t: Date.now(), now: () => clock.t };
  return clock;
}

async function setup() {
  const clock = manualClock();
  const issuer = await createDevIssuer({ issuer: 'https://issuer.test/', audience: 'aud', clock });
  const auth = createAuthenticator({ clients: [issuer.clientConfig('web')], clock, localJwks: { web: issuer.jwks } });
  return { clock, issuer, auth };
}

describe('verified-token cache', () => {
  it('answers a repeated token from memory, and a one-character change still goes through full verification', async () => {
    const { issuer, auth } = await setup();
    const token = await issuer.issue({ sub: 'alice', tenant: 'acme' });
    const first = await auth.authenticate({ authorization: `Bearer ${token}` });
    // The memo keeps its own frozen copy (verified-token-cache.ts `kept`): every later request gets that one object.
    const second = await auth.authenticate({ authorization: `Bearer ${token}` });
    expect(second).toEqual(first);
    expect(Object.isFrozen(second)).toBe(true);
    expect(await auth.authenticate({ authorization: `Bearer ${token}` })).toBe(second);
    // Change a character in the middle of the signature (the last one may only carry padding bits).
    const i = token.length - 20;
    const forged = changeCharAt(token, i);
    await expect(auth.authenticate({ authorization: `Bearer ${forged}` })).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('keeps a principal without list claims without a listClaims property', async () => {
    const clock = manualClock();
    const issuer = await createDevIssuer({ issuer: 'https://issuer.test/', audience: 'aud', clock });
    const { listClaims: _lists, ...client } = issuer.clientConfig('web');
    const auth = createAuthenticator({ clients: [client], clock, localJwks: { web: issuer.jwks } });
    const token = await issuer.issue({ sub: 'alice', tenant: 'acme' });
    const first = await auth.authenticate({ authorization: `Bearer ${token}` });
    const second = await auth.authenticate({ authorization: `Bearer ${token}` });
    expect(second).toEqual(first);
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect('listClaims' in second).toBe(false);
  });

  it('stops answering at the token expiry, where full verification then refuses it', async () => {
    const { clock, issuer, auth } = await setup();
    const token = await issuer.issue({ sub: 'alice', tenant: 'acme', ttlSeconds: 120 });
    await auth.authenticate({ authorization: `Bearer ${token}` });
    clock.t += 120_000 + 31_000; // past exp and the 30 s tolerance
    await expect(auth.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({
      code: 'unauthenticated',
      detail: 'token expired',
    });
  });
});
