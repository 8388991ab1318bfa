/**
 * Single-prefix profiles (no `areas`, no list claims) in every shape the schema offers: each operation subset, both
 * scopes, with and without file types and conditions, an external id, and the paths a profile serves. Their session
 * policies and token-cache keys were recorded (src/policy/single-prefix-golden.json) before profiles could declare
 * areas; src/policy/single-prefix-golden.test.ts checks that the same inputs still give the same bytes.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../../src/auth/principal.js';
import type { Operation } from '../../src/config/schema.js';
import { createGrantPreparer } from '../../src/credentials/prepare-grant.js';
import { canonicalJson } from '../../src/policy/index.js';
import { formSigningProfile } from '../../src/profiles/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import type { FileSpec } from '../../src/rules/grant.js';

const OPERATIONS: readonly Operation[] = ['put', 'multipart', 'get', 'list', 'delete'];

/** Every non-empty subset of the operations, in a fixed order. */
function operationSubsets(): Operation[][] {
  const subsets: Operation[][] = [];
  for (let mask = 1; mask < 1 << OPERATIONS.length; mask++) subsets.push(OPERATIONS.filter((_, i) => (mask & (1 << i)) !== 0));
  return subsets;
}

/** The raw profiles, by name: `<ops>-<scope>-<typed|any>-<conditions|open>`. */
export function singlePrefixProfiles(): Record<string, Record<string, unknown>> {
  const profiles: Record<string, Record<string, unknown>> = {};
  for (const operations of operationSubsets()) {
    for (const scope of ['prefix', 'keys'] as const) {
      if (scope === 'keys' && !operations.some((op) => op === 'put' || op === 'multipart')) continue;
      for (const typed of [false, true]) {
        for (const conditioned of [false, true]) {
          const name = `${operations.join('.')}-${scope}-${typed ? 'typed' : 'any'}-${conditioned ? 'conditions' : 'open'}`;
          profiles[name] = {
            bucket: 'golden-bucket',
            region: 'cn-hangzhou',
            roleArn: 'acs:ram::1234567890123456:role/uploader',
            prefix: 'uploads/${tenant}/${sub}/',
            operations,
            scope,
            clients: ['web'],
            ...(typed ? { fileTypes: { extensions: ['png', 'jpg'], contentTypes: ['image/png', 'image/jpeg'] } } : {}),
            ...(conditioned ? { conditions: { sourceIp: ['10.0.0.0/8', '192.168.1.1'], secureTransport: true }, externalId: 'ext-1' } : {}),
            ...(typed && conditioned ? { durationSeconds: 1800 } : {}),
          };
        }
      }
    }
  }
  return profiles;
}

/** The raw configuration holding every variant. */
export function singlePrefixConfig(): Record<string, unknown> {
  return {
    clients: [
      {
        id: 'web',
        type: 'oidc',
        issuer: 'https://idp.test/',
        audience: 'a',
        jwksUri: 'https://idp.test/jwks',
        tenantClaim: 'tenant',
        templateClaims: ['org'],
      },
    ],
    profiles: singlePrefixProfiles(),
    sts: { endpoint: '127.0.0.1:1' },
    cache: { encryptionKey: Buffer.alloc(32).toString('base64') },
  };
}

const principals: Principal[] = [
  { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme', claims: { sub: 'alice', tenant: 'acme', org: 'o1' } },
  {
    kind: 'user',
    clientId: 'web',
    subject: 'bob.smith@example.com',
    tenant: 'globex-42',
    claims: { sub: 'bob.smith@example.com', tenant: 'globex-42', org: 'o2' },
  },
];
const fileSets: FileSpec[][] = [[], [{ name: 'me.png', size: 10, contentType: 'image/png' }, { name: 'IMG_0001.JPG' }]];

/**
 * sha256 of the parsed clients' and profiles' canonical JSON (sections that other features add defaults to, such as
 * `sts`, are not what this record is about), and per profile a sha256 over the policy hash and token-cache
 * key of each principal and file set (for the credentials token and the form-signing token). The cache key covers
 * the policy text, so equal digests mean byte-equal policies and equal cache keys.
 */
export function singlePrefixOutputs(): { configSha256: string; profiles: Record<string, string> } {
  const config = parseConfig(singlePrefixConfig(), { memoryStore: true });
  const prepare = createGrantPreparer(config, { now: () => 0 }, 0);
  const profiles: Record<string, string> = {};
  for (const [name, profile] of Object.entries(config.profiles)) {
    const digest = createHash('sha256');
    for (const principal of principals) {
      for (const files of fileSets) {
        if (profile.scope === 'keys' && files.length === 0) continue;
        const { policySha256, cacheKey } = prepare(name, profile, principal, files, 'credentials');
        digest.update(`${policySha256}:${cacheKey};`);
      }
      const signing = prepare(name, formSigningProfile(profile), principal, [], 'form-signing');
      digest.update(`${signing.policySha256}:${signing.cacheKey};`);
    }
    profiles[name] = digest.digest('hex');
  }
  const configSha256 = createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify({ clients: config.clients, profiles: config.profiles }))))
    .digest('hex');
  return { configSha256, profiles };
}
