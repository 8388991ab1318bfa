/**
 * The configurations the project ships start cleanly and never answer a valid claim with a 500. A 96-character
 * subject used to make the local `uploads` profile's session policy too large (500 policy_too_large); now each
 * profile's `maxClaimChars` is proven at start-up to fit, and a longer claim is a 400 that names it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { capturedLogger } from '../../dev/testing/logger.js';
import { createApp } from '../../src/app.js';
import { createAuthenticator, generateApiKey } from '../../src/auth/index.js';
import type { BrokerConfig } from '../../src/config/index.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { worstCasePolicySize } from '../../src/policy/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { createStsClient } from '../../src/sts/index.js';
import { createDevIssuer, type DevIssuer } from '../../dev/issuer/dev-issuer.js';
import { buildLocalConfig, LOCAL_DEV_CLIENT_ID } from '../../dev/local/local-config.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/config.example.yaml', import.meta.url));
const secrets = () => ({
  BROKER_REDIS_URL: 'redis://127.0.0.1:6379',
  BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
  BROKER_GRANT_KEY: randomBytes(32).toString('base64'),
});

/** createApp with real parts (no network is used before a request) and a logger whose lines we keep. */
function start(config: Readonly<BrokerConfig>, issuer?: DevIssuer, clientId?: string) {
  const { logger, records } = capturedLogger('debug');
  const localJwks = issuer && clientId ? { [clientId]: issuer.jwks } : undefined;
  const { app } = createApp({
    config,
    store: new MemoryStore(),
    sts: createStsClient({ config: config.sts }),
    authenticator: createAuthenticator({ clients: config.clients, clock: { now: () => Date.now() }, localJwks }),
    encryptionKey: randomBytes(32),
    logger,
  });
  return { app, warnings: () => records<{ level: number; msg?: string }>().filter((l) => l.level >= 40) };
}

async function dryRun(app: ReturnType<typeof start>['app'], token: string, profile: string) {
  return request(app).post('/v1/credentials').set('authorization', `Bearer ${token}`).send({ profile, dryRun: true });
}

describe('deploy/config.example.yaml', () => {
  it('starts with no warning', () => {
    const { warnings } = start(loadConfigFile(EXAMPLE, secrets()));
    expect(warnings()).toEqual([]);
  });

  it('issues for claims as long as maxClaimChars, within the STS policy limit, and refuses longer ones with a 400', async () => {
    // The example's identity provider, stood in for by the dev issuer (which signs ES256).
    const raw = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { clients: Array<Record<string, unknown>> };
    raw.clients[0]!.algorithms = ['ES256'];
    const config = parseConfig({
      ...raw,
      redis: { url: 'redis://127.0.0.1:6379' },
      cache: { encryptionKey: secrets().BROKER_CACHE_KEY },
      uploads: { ...(raw as { uploads?: object }).uploads, grantKey: secrets().BROKER_GRANT_KEY },
    });
    const issuer = await createDevIssuer({ issuer: 'https://login.example.com/', audience: 'oss-sts-broker' });
    const { app } = start(config, issuer, 'web');
    const max = config.profiles.avatars!.maxClaimChars;
    const token = (sub: string) => issuer.issue({ sub, tenant: 'x', extraClaims: { org_id: 'o'.repeat(max) } });

    const longest = await dryRun(app, await token('s'.repeat(max)), 'avatars');
    expect(longest.status).toBe(200);
    expect(JSON.stringify(longest.body.policy).length).toBeLessThanOrEqual(config.sts.policyMaxChars);
    const over = await dryRun(app, await token('s'.repeat(max + 1)), 'avatars');
    expect({ status: over.status, code: over.body.code }).toEqual({ status: 400, code: 'invalid_name' });
    expect(over.body.detail).toBe(`claim "sub" must be at most ${max} characters`);
  });

  it('team-files: the worst case a token can produce is the 1,890 bytes its comment gives, and one group more is refused', async () => {
    const raw = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { clients: Array<Record<string, unknown>> };
    raw.clients[0]!.algorithms = ['ES256'];
    const config = parseConfig({
      ...raw,
      redis: { url: 'redis://127.0.0.1:6379' },
      cache: { encryptionKey: secrets().BROKER_CACHE_KEY },
      uploads: { ...(raw as { uploads?: object }).uploads, grantKey: secrets().BROKER_GRANT_KEY },
    });
    const team = config.profiles['team-files']!;
    expect(worstCasePolicySize('team-files', team)).toBe(1890);
    const issuer = await createDevIssuer({ issuer: 'https://login.example.com/', audience: 'oss-sts-broker' });
    const { app } = start(config, issuer, 'web');
    const chars = team.listClaims!.groups!.maxChars;
    const groups = (n: number) => Array.from({ length: n }, (_, i) => `${i}`.padStart(chars, 'g'));
    const token = (n: number) =>
      issuer.issue({
        sub: 's'.repeat(team.maxClaimChars),
        tenant: 'x',
        extraClaims: { org_id: 'o'.repeat(team.maxClaimChars), groups: groups(n) },
      });
    const max = team.listClaims!.groups!.maxValues;
    const worst = await dryRun(app, await token(max), 'team-files');
    expect(worst.status).toBe(200);
    expect(worst.body.grant.areas).toHaveLength(max + 1);
    expect(JSON.stringify(worst.body.policy).length).toBe(1890);
    const over = await dryRun(app, await token(max + 1), 'team-files');
    expect({ status: over.status, code: over.body.code }).toEqual({ status: 403, code: 'too_many_claim_values' });
  });
});

describe('the local-mode configuration (dev/local)', () => {
  async function local() {
    const issuer = await createDevIssuer({ issuer: 'http://127.0.0.1:8080/dev', audience: 'oss-sts-broker-local' });
    const partner = generateApiKey('partner1-local');
    const config = buildLocalConfig({
      ports: { broker: 8080, sts: 9100, oss: 9200 },
      devClient: issuer.clientConfig(LOCAL_DEV_CLIENT_ID),
      partnerKey: partner,
      cacheKeyBase64: randomBytes(32).toString('base64'),
    });
    return { config, issuer, ...start(config, issuer, LOCAL_DEV_CLIENT_ID) };
  }

  it('starts with no warning', async () => {
    const { warnings } = await local();
    expect(warnings()).toEqual([]);
  });

  it('answers the 96-character subject that used to be a 500 with a 400 naming the claim', async () => {
    const { app, issuer, config } = await local();
    const max = config.profiles.uploads!.maxClaimChars;
    const ok = await dryRun(app, await issuer.issue({ sub: 's'.repeat(max), tenant: 't'.repeat(max) }), 'uploads');
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.body.policy).length).toBeLessThanOrEqual(config.sts.policyMaxChars);
    const long = await dryRun(app, await issuer.issue({ sub: 's'.repeat(96), tenant: 'acme' }), 'uploads');
    expect({ status: long.status, code: long.body.code, detail: long.body.detail }).toEqual({
      status: 400,
      code: 'invalid_name',
      detail: `claim "sub" must be at most ${max} characters`,
    });
  });
});
