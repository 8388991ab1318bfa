/**
 * Operators signing in to the admin API with their identity provider (`server.adminOidc`, auth/admin-oidc.ts), on a
 * broker whose admin API also has a key: an ID token with the admin claim is accepted and its operator named in the
 * audit trail and in the revocation it makes; a user's token, a token without the claim and a wrong key are refused
 * and audited; the public port serves none of it. The admin CLI signs in with the token from BROKER_ADMIN_TOKEN.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { JWTPayload } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, sign, type TestKey } from '../../dev/testing/oidc.js';
import { startJwksServer, type JwksServer } from '../auth/helpers.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const ISSUER = 'https://login.example.com/';
const ADMIN_AUDIENCE = 'oss-sts-broker-admin';
const ADMIN_KEY = randomBytes(32).toString('base64url');

let key: TestKey;
let jwks: JwksServer;
let broker: TestBroker;

/** A token from the operators' identity provider, valid now. */
function idToken(overrides: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(key, {
    iss: ISSUER,
    aud: ADMIN_AUDIENCE,
    sub: 'dana',
    groups: ['engineering', 'broker-admins'],
    iat: now - 5,
    exp: now + 300,
    ...overrides,
  });
}

beforeAll(async () => {
  key = await makeKey('ES256', 'admins-1');
  jwks = await startJwksServer([key.publicJwk]);
  broker = await startTestBroker({
    configPatch: (c) => {
      c.server = {
        ...c.server,
        adminPort: 0,
        adminKeys: [{ name: 'break-glass', sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') }],
        adminOidc: {
          issuer: ISSUER,
          audience: ADMIN_AUDIENCE,
          jwksUri: jwks.url,
          algorithms: ['ES256'],
          requireClaim: { name: 'groups', value: 'broker-admins' },
        },
      };
    },
  });
});

afterAll(async () => {
  await broker?.close();
  await jwks?.close();
});

const admin = () => request(broker.admin!);
const refusedWith = (code: string) => broker.audit.filter((e) => e.event === 'admin.refused' && e.code === code);

describe('the admin API with OIDC sign-in', () => {
  it('accepts an operator with the admin claim, naming them in the audit trail and the revocation', async () => {
    const token = await idToken();
    const list = await admin().get('/admin/v1/revocations').set('authorization', `Bearer ${token}`);
    expect(list.status).toBe(200);
    const revoked = await admin()
      .post('/admin/v1/revocations')
      .set('authorization', `Bearer ${token}`)
      .send({ principal: { tenant: 'acme', sub: 'oidc-revoked' }, reason: 'phishing' });
    expect(revoked.status).toBe(201);
    expect(revoked.body.createdBy).toBe('oidc:dana');
    expect(broker.audit.find((e) => e.event === 'admin.revoked' && e.revocationId === revoked.body.id)?.actor).toBe('oidc:dana');
    const lifted = await admin().delete(`/admin/v1/revocations/${revoked.body.id}`).set('authorization', `Bearer ${token}`);
    expect(lifted.status).toBe(204);
  });

  it('still accepts the admin key beside it', async () => {
    const list = await admin().get('/admin/v1/revocations').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(list.status).toBe(200);
    expect(broker.audit.at(-1)).toMatchObject({ event: 'admin.revocations_listed', actor: 'break-glass' });
  });

  it("refuses a token without the admin claim, a user's token for the broker, and an expired one, and audits each", async () => {
    const before = refusedWith('unauthenticated').length;
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await idToken({ groups: ['engineering'] }),
      await broker.token('dana', 'acme'),
      await idToken({ aud: 'oss-sts-broker' }),
      await idToken({ iat: now - 7200, exp: now - 3600 }),
    ];
    for (const token of tokens) {
      const res = await admin().get('/admin/v1/revocations').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
      expectMatchesSpec('GET', '/admin/v1/revocations', res);
      // A refused token is never echoed back.
      expect(JSON.stringify(res.body)).not.toContain(token.split('.')[1]);
    }
    expect(refusedWith('unauthenticated').length).toBe(before + tokens.length);
    expect(
      refusedWith('unauthenticated')
        .slice(before)
        .every((e) => e.actor === undefined),
    ).toBe(true);
  });

  it('says which credentials it takes, and is not on the public port', async () => {
    const none = await admin().get('/admin/v1/revocations');
    expect(none.status).toBe(401);
    expect(none.body.detail).toBe('a valid admin key or admin ID token is required (Authorization: Bearer <admin key or ID token>)');
    const pub = await request(broker.app)
      .get('/admin/v1/revocations')
      .set('authorization', `Bearer ${await idToken()}`);
    expect(pub.status).toBe(404);
  });

  it('is what the admin CLI sends from BROKER_ADMIN_TOKEN', async () => {
    const server = broker.admin!.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'list'], {
        env: { ...process.env, BROKER_ADMIN_URL: `http://127.0.0.1:${port}`, BROKER_ADMIN_KEY: '', BROKER_ADMIN_TOKEN: await idToken() },
      });
      expect(Array.isArray(JSON.parse(stdout))).toBe(true);
      expect(broker.audit.at(-1)).toMatchObject({ event: 'admin.revocations_listed', actor: 'oidc:dana' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
