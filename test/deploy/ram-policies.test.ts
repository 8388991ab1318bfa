/**
 * deploy/ram against what the broker really asks of STS. The broker runs on deploy/config.example.yaml (only its STS
 * endpoint, the web client's signing key and the partner key's hash are swapped for test ones) against the STS
 * emulator, whose roles carry the permission policies from deploy/ram; every AssumeRole it makes is read back from
 * the SecurityToken (the emulator seals role ARN, session policy and role policy into it). Then, with the project's
 * policy evaluator (dev/emulator/policy):
 * - everything each session policy allows is still allowed by session ∩ role (the role policy is wide enough);
 * - each role policy allows no action its profile never uses, and nothing outside its bucket and prefix;
 * - the broker's own role may assume exactly the configured roles, and nothing else;
 * - the trust policies admit only the configured service account (RRSA) or the broker's role.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import CredentialModule, { Config as CredentialConfig } from '@alicloud/credentials';
import { exportJWK, importPKCS8, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicy, evaluateSession, parsePolicy, type AccessRequest } from '../../dev/emulator/policy/index.js';
import { openToken, startStsEmulator, type SealedTokenPayload, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { createApp } from '../../src/app.js';
import { createAuthenticator, generateApiKey } from '../../src/auth/index.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import { readConfigFile } from '../../src/config/load.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { MemoryStore } from '../../src/store/index.js';
import { createStsClient } from '../../src/sts/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { systemClock } from '../../src/shared/clock.js';
import { readerPolicy } from '../../src/uploads/object-meta-reader.js';
import { profileEndpoint } from '../../src/rules/apply-profile.js';
import { DEPLOY_DIR, find, loadApplied } from './manifests.js';
import { evaluateTrust, parseTrustPolicy } from './trust-policy.js';

type CredentialClass = typeof CredentialModule.default;
const Credential: CredentialClass =
  (CredentialModule as { default?: CredentialClass }).default ?? (CredentialModule as unknown as CredentialClass);

const RAM_DIR = join(DEPLOY_DIR, 'ram');
const ramJson = (file: string): unknown => JSON.parse(readFileSync(join(RAM_DIR, file), 'utf8'));
const roleName = (arn: string): string => /^acs:ram::\d+:role\/(.+)$/.exec(arn)?.[1] ?? `(not a role ARN: ${arn})`;
const accountOf = (arn: string): string => /^acs:ram::(\d+):/.exec(arn)?.[1] ?? `(no account in ${arn})`;

const EXAMPLE_ENV = {
  BROKER_REDIS_URL: 'redis://redis:6379/0',
  BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
  BROKER_GRANT_KEY: randomBytes(32).toString('base64'),
};
const example: Readonly<BrokerConfig> = parseConfig(readConfigFile(join(DEPLOY_DIR, 'config.example.yaml'), EXAMPLE_ENV));

/** Every role the broker may assume with this configuration: profiles, callback readers, the bucket-policy admin. */
const configuredRoles = [
  ...Object.values(example.profiles).flatMap((p) => [
    p.roleArn,
    ...(p.postPolicy?.callback?.readerRoleArn ? [p.postPolicy.callback.readerRoleArn] : []),
  ]),
  ...(example.admin.bucketPolicy ? [example.admin.bucketPolicy.roleArn] : []),
].filter((arn, i, all) => all.indexOf(arn) === i);

const applied = loadApplied();
const serviceAccount = find(applied, 'ServiceAccount');
const brokerRoleName: string =
  serviceAccount.metadata.annotations?.['pod-identity.alibabacloud.com/role-name'] ?? '(no role-name annotation)';
const brokerTrust = parseTrustPolicy(ramJson(`${brokerRoleName}.trust.json`));
const brokerTrustDoc = ramJson(`${brokerRoleName}.trust.json`) as {
  Statement: Array<{ Principal: { Federated: string[] }; Condition: { StringEquals: Record<string, string> } }>;
};
const oidcProviderArn = brokerTrustDoc.Statement[0]!.Principal.Federated[0]!;
/** The broker's role lives in the account of the cluster's OIDC provider. */
const brokerRoleArn = `acs:ram::${accountOf(oidcProviderArn)}:role/${brokerRoleName}`;

// ---------------------------------------------------------------------------------------------------------------
// Probes: concrete requests that a session policy allows, one per (statement, action, resource).

/** A value that satisfies one condition of the broker's session policies; throws on any it does not know. */
function satisfying(operator: string, key: string, value: string | string[]): string {
  const first = Array.isArray(value) ? value[0]! : value;
  if (operator === 'Bool' && key === 'acs:SecureTransport') return first;
  if (operator === 'StringLike' && key === 'oss:Prefix') return first.replaceAll('*', 'probe/');
  if (operator === 'IpAddress' && key === 'acs:SourceIp') {
    const [address] = first.split('/');
    const octets = address!.split('.').map(Number);
    octets[3] = octets[3]! + 7;
    return octets.join('.');
  }
  throw new Error(`no probe value for ${operator} ${key}`);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function probesOf(policy: { Statement: Statement[] }): AccessRequest[] {
  const probes: AccessRequest[] = [];
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    const context: Record<string, string> = {};
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      for (const [key, value] of Object.entries(block)) context[key] = satisfying(operator, key, value);
    }
    for (const action of [statement.Action].flat()) {
      for (const resource of [statement.Resource].flat()) {
        // OSS names every request's resource `acs:oss:*:*:<bucket>[/<key>]`; wildcards stand for some key.
        const [, head, rest] = /^(acs:oss:\*:\*:)(.*)$/.exec(resource) ?? ['', '', resource];
        probes.push({ action, resource: `${head}${rest!.replaceAll('*', 'probe/file')}`, context });
      }
    }
  }
  return probes;
}

/** The probes of a session policy that session ∩ role does not allow (each checked to be allowed by the session). */
function deniedByRole(sessionPolicy: object, rolePolicy: object, facts: Record<string, string> = {}): string[] {
  const session = parsePolicy(sessionPolicy);
  const role = parsePolicy(rolePolicy);
  const probes = probesOf(sessionPolicy as { Statement: Statement[] }).map((p) => ({ ...p, context: { ...facts, ...p.context } }));
  if (probes.length === 0) throw new Error('the session policy yields no probe');
  return probes
    .filter((probe) => {
      if (evaluatePolicy(session, probe) !== 'allow')
        throw new Error(`probe not allowed by its own session policy: ${JSON.stringify(probe)}`);
      return evaluateSession({ sessionPolicy: session, rolePolicy: role }, probe) !== 'allow';
    })
    .map((p) => `${p.action} ${p.resource}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The broker on the example configuration, against the STS emulator holding deploy/ram's role policies.

let emulator: StsEmulator;
const sealKey = randomBytes(32);
const issued: Record<'documents' | 'partner-read' | 'avatars-form' | 'team-files', SealedTokenPayload> = {} as never;
/** What the callback reader asks for after an avatars upload (uploads/object-meta-reader.ts builds it). */
let avatarsReader: { roleArn: string; policy: object; endpoint: string };

beforeAll(async () => {
  const accessKey = { accessKeyId: `LTAIram${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
  emulator = await startStsEmulator({
    accessKeys: [accessKey],
    roles: configuredRoles.map((arn) => ({ arn, maxSessionDurationSeconds: 3600, policy: ramJson(`${roleName(arn)}.json`) as object })),
    sealKey,
  });

  const raw = readConfigFile(join(DEPLOY_DIR, 'config.example.yaml'), EXAMPLE_ENV) as {
    sts: { endpoint?: string };
    clients: Array<{ id: string; keys?: Array<{ id: string; sha256: string }> }>;
  };
  raw.sts.endpoint = emulator.endpoint;
  const partnerKey = raw.clients.find((c) => c.id === 'partner-acme')!.keys![0]!;
  const partner = generateApiKey(partnerKey.id);
  partnerKey.sha256 = partner.sha256;
  const config = parseConfig(raw);

  // The web client's issuer signs with RS256, as the example pins; the key set is given in code instead of fetched.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const signingKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
  const web = config.clients.find((c) => c.id === 'web');
  if (web?.type !== 'oidc') throw new Error('the example has no oidc client "web"');
  const jwt = await new SignJWT({ org_id: 'acme', groups: ['design', 'ops'] })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(web.issuer)
    .setAudience(web.audience)
    .setSubject('alice')
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(signingKey);

  const credential = new Credential(new CredentialConfig({ type: 'access_key', ...accessKey }));
  const store = new MemoryStore();
  const { app } = createApp({
    config,
    store,
    sts: createStsClient({ config: config.sts, credential, trustedCa: emulator.ca, store }),
    authenticator: createAuthenticator({ clients: config.clients, clock: systemClock, localJwks: { web: { keys: [jwk] } } }),
    encryptionKey: Buffer.from(EXAMPLE_ENV.BROKER_CACHE_KEY, 'base64'),
    logger: createLogger('silent'),
  });
  const open = (token: string): SealedTokenPayload => {
    const payload = openToken(token, sealKey);
    if (payload === null) throw new Error('the SecurityToken is not one of this emulator');
    return payload;
  };

  const documents = await request(app)
    .post('/v1/credentials')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ profile: 'documents', files: [{ name: 'report.pdf', size: 1000, contentType: 'application/pdf' }] })
    .expect(200);
  issued.documents = open(documents.body.credentials.securityToken);

  // Areas: the user's own folder, one per group of the token, the tenant's shared folder read-only.
  const team = await request(app).post('/v1/credentials').set('Authorization', `Bearer ${jwt}`).send({ profile: 'team-files' }).expect(200);
  issued['team-files'] = open(team.body.credentials.securityToken);

  const partnerRead = await request(app)
    .post('/v1/credentials')
    .set('X-Api-Key', partner.header)
    .send({ profile: 'partner-read' })
    .expect(200);
  issued['partner-read'] = open(partnerRead.body.credentials.securityToken);

  const form = await request(app)
    .post('/v1/post-policy')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ profile: 'avatars', files: [{ name: 'me.png', size: 1000, contentType: 'image/png' }] })
    .expect(200);
  const upload = form.body.uploads[0];
  issued['avatars-form'] = open(upload.fields['x-oss-security-token']);
  const avatars = config.profiles.avatars!;
  avatarsReader = {
    roleArn: avatars.postPolicy?.callback?.readerRoleArn ?? avatars.roleArn,
    policy: readerPolicy(avatars.bucket, upload.key),
    endpoint: profileEndpoint(avatars),
  };
}, 60_000);

afterAll(async () => {
  await emulator?.close();
});

describe('deploy/ram holds one permission and one trust policy per role, and nothing stale', () => {
  it('every role the example configuration assumes, and the broker role, has <role>.json and <role>.trust.json', () => {
    const expected = [...configuredRoles.map(roleName), brokerRoleName].flatMap((name) => [`${name}.json`, `${name}.trust.json`]);
    const extra = ['broker-kms.json', 'callback-reader-role.json'];
    const present = readdirSync(RAM_DIR).filter((f) => f.endsWith('.json'));
    expect(present.sort()).toEqual([...expected, ...extra].sort());
  });

  it('every permission policy passes the RAM grammar of the evaluator', () => {
    for (const file of readdirSync(RAM_DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.trust.json'))) {
      expect(() => parsePolicy(ramJson(file)), file).not.toThrow();
    }
  });
});

describe('upload roles: session ∩ role allows everything the broker asks for', () => {
  it.each(['documents', 'partner-read', 'avatars-form', 'team-files'] as const)(
    '%s: the token was issued for the profile role, with a session policy',
    (name) => {
      const token = issued[name];
      const profile = example.profiles[name === 'avatars-form' ? 'avatars' : name]!;
      expect(token.roleArn).toBe(profile.roleArn);
      expect(token.sessionPolicy).not.toBeNull();
      // The emulator sealed the policy deploy/ram holds for that role.
      expect(token.rolePolicy).toEqual(ramJson(`${roleName(profile.roleArn)}.json`));
    },
  );

  it.each(['documents', 'partner-read', 'avatars-form', 'team-files'] as const)(
    '%s: every probe of the session policy is allowed',
    (name) => {
      const token = issued[name];
      expect(deniedByRole(token.sessionPolicy!, token.rolePolicy!)).toEqual([]);
    },
  );

  it('avatars: the callback reader (GetObjectMeta on the uploader folder) is allowed by its role', () => {
    // The broker reads through the profile's endpoint: HTTPS, so the request is a secure-transport one.
    expect(avatarsReader.endpoint).toMatch(/^https:\/\//);
    const facts = { 'acs:SecureTransport': 'true' };
    expect(deniedByRole(avatarsReader.policy, ramJson(`${roleName(avatarsReader.roleArn)}.json`) as object, facts)).toEqual([]);
    // Over plain HTTP the role would refuse it: the condition in the role is real.
    const overHttp = { 'acs:SecureTransport': 'false' };
    expect(deniedByRole(avatarsReader.policy, ramJson(`${roleName(avatarsReader.roleArn)}.json`) as object, overHttp)).not.toEqual([]);
  });

  it('the check reports a role policy that misses an action the broker uses', () => {
    const narrow = structuredClone(issued.documents.rolePolicy!) as { Statement: Statement[] };
    narrow.Statement[0]!.Action = ['oss:PutObject', 'oss:AbortMultipartUpload'];
    expect(deniedByRole(issued.documents.sessionPolicy!, narrow).every((d) => d.startsWith('oss:ListParts '))).toBe(true);
    expect(deniedByRole(issued.documents.sessionPolicy!, narrow).length).toBeGreaterThan(0);
  });
});

describe('upload roles: no more than their profiles use', () => {
  /** Every action any request of the role uses (the tokens above and the callback reader). */
  function actionsUsed(roleArn: string): string[] {
    const policies = [
      ...Object.values(issued)
        .filter((t) => t.roleArn === roleArn)
        .map((t) => t.sessionPolicy as { Statement: Statement[] }),
      ...(avatarsReader.roleArn === roleArn ? [avatarsReader.policy as { Statement: Statement[] }] : []),
    ];
    return [...new Set(policies.flatMap((p) => p.Statement.flatMap((s) => [s.Action].flat())))].sort();
  }

  it.each(configuredRoles.map((arn) => [roleName(arn), arn] as const))('%s grants exactly the actions its requests use', (name, arn) => {
    const policy = ramJson(`${name}.json`) as { Statement: Statement[] };
    const granted = [...new Set(policy.Statement.flatMap((s) => [s.Action].flat()))].sort();
    expect(granted).toEqual(actionsUsed(arn));
  });

  it.each(configuredRoles.map((arn) => [roleName(arn), arn] as const))('%s allows nothing outside its bucket and prefix', (name, arn) => {
    const role = parsePolicy(ramJson(`${name}.json`));
    const profile = Object.values(example.profiles).find((p) => p.roleArn === arn)!;
    const top = profile.prefix.slice(0, profile.prefix.indexOf('/') + 1);
    const context = {
      'acs:SecureTransport': 'true',
      'acs:SourceIp': satisfying('IpAddress', 'acs:SourceIp', profile.conditions.sourceIp ?? ['10.0.0.0/8']),
    };
    const outside: AccessRequest[] = [
      { action: 'oss:PutObject', resource: `acs:oss:*:*:${profile.bucket}/elsewhere/x.png`, context },
      { action: 'oss:GetObject', resource: `acs:oss:*:*:${profile.bucket}/elsewhere/x.png`, context },
      { action: 'oss:GetObject', resource: `acs:oss:*:*:another-bucket/${top}x.png`, context },
      { action: 'oss:PutObject', resource: `acs:oss:*:*:another-bucket/${top}x.png`, context },
      { action: 'oss:ListObjects', resource: `acs:oss:*:*:${profile.bucket}`, context: { ...context, 'oss:Prefix': 'elsewhere/' } },
      { action: 'oss:DeleteObject', resource: `acs:oss:*:*:${profile.bucket}/${top}x.png`, context },
      { action: 'oss:PutObjectAcl', resource: `acs:oss:*:*:${profile.bucket}/${top}x.png`, context },
      { action: 'oss:PutBucketPolicy', resource: `acs:oss:*:*:${profile.bucket}`, context },
      { action: 'sts:AssumeRole', resource: `acs:ram::${accountOf(arn)}:role/${name}`, context },
    ];
    expect(outside.filter((r) => evaluatePolicy(role, r) === 'allow').map((r) => `${r.action} ${r.resource}`)).toEqual([]);
  });

  it('the SourceIp and SecureTransport conditions of the profiles are in their roles too', () => {
    const tokenOf = {
      documents: 'documents',
      'partner-read': 'partner-read',
      avatars: 'avatars-form',
      'team-files': 'team-files',
    } as const;
    for (const [name, key] of Object.entries(tokenOf)) {
      const profile = example.profiles[name]!;
      const role = parsePolicy(ramJson(`${roleName(profile.roleArn)}.json`));
      const probe = probesOf(issued[key].sessionPolicy as { Statement: Statement[] })[0]!;
      expect(evaluatePolicy(role, probe), name).toBe('allow');
      if (profile.conditions.secureTransport) {
        expect(evaluatePolicy(role, { ...probe, context: { ...probe.context, 'acs:SecureTransport': 'false' } }), name).not.toBe('allow');
      }
      if (profile.conditions.sourceIp) {
        expect(evaluatePolicy(role, { ...probe, context: { ...probe.context, 'acs:SourceIp': '198.51.100.9' } }), name).not.toBe('allow');
      }
    }
  });
});

describe("the broker's own role", () => {
  const brokerPolicies = [parsePolicy(ramJson(`${brokerRoleName}.json`)), parsePolicy(ramJson('broker-kms.json'))];
  /** An identity's policies are ORed; a Deny in any of them wins. */
  const brokerMay = (r: AccessRequest): boolean => {
    const decisions = brokerPolicies.map((p) => evaluatePolicy(p, r));
    return !decisions.includes('explicit_deny') && decisions.includes('allow');
  };
  const assume = (resource: string): AccessRequest => ({ action: 'sts:AssumeRole', resource, context: {} });

  it('may assume every role the broker asked STS for, and every configured one', () => {
    const requested = [...Object.values(issued).map((t) => t.roleArn), avatarsReader.roleArn];
    for (const arn of [...requested, ...configuredRoles]) expect(brokerMay(assume(arn)), arn).toBe(true);
  });

  it('names exactly the configured roles, without wildcards', () => {
    const doc = ramJson(`${brokerRoleName}.json`) as { Statement: Statement[] };
    const resources = doc.Statement.flatMap((s) => [s.Resource].flat());
    expect([...resources].sort()).toEqual([...configuredRoles].sort());
    expect(doc.Statement.flatMap((s) => [s.Action].flat())).toEqual(['sts:AssumeRole']);
  });

  it('cannot assume any other role, nor do anything but AssumeRole and read its own secrets', () => {
    const [own] = configuredRoles.map(accountOf);
    const denied: AccessRequest[] = [
      assume(`acs:ram::${own}:role/AliyunOSSFullAccessRole`),
      assume(`acs:ram::${own}:role/oss-upload-avatars-admin`),
      assume(`acs:ram::${own}:role/${brokerRoleName}`),
      assume(`acs:ram::9999999999999999:role/oss-upload-avatars`),
      assume(`acs:ram::${own}:role/*`),
      { action: 'sts:AssumeRole', resource: '*', context: {} },
      { action: 'ram:AttachPolicyToRole', resource: `acs:ram::${own}:role/oss-upload-avatars`, context: {} },
      { action: 'ram:UpdateRole', resource: `acs:ram::${own}:role/oss-upload-avatars`, context: {} },
      { action: 'oss:PutObject', resource: 'acs:oss:*:*:example-user-media/avatars/x.png', context: {} },
      { action: 'kms:GetSecretValue', resource: `acs:kms:cn-hangzhou:${own}:secret/another-app/db-password`, context: {} },
      { action: 'kms:PutSecretValue', resource: `acs:kms:cn-hangzhou:${own}:secret/oss-sts-broker/cache-key`, context: {} },
    ];
    expect(denied.filter(brokerMay).map((r) => `${r.action} ${r.resource}`)).toEqual([]);
  });

  it('may read the documented KMS secrets (broker-kms.json)', () => {
    const [own] = configuredRoles.map(accountOf);
    for (const name of ['cache-key', 'grant-key', 'redis-url']) {
      expect(
        brokerMay({ action: 'kms:GetSecretValue', resource: `acs:kms:cn-hangzhou:${own}:secret/oss-sts-broker/${name}`, context: {} }),
      ).toBe(true);
    }
  });
});

describe('trust policies', () => {
  const claims = brokerTrustDoc.Statement[0]!.Condition.StringEquals;
  const rrsa = (over: Record<string, string | undefined> = {}, provider = oidcProviderArn) => ({
    principal: { kind: 'Federated' as const, arn: provider },
    context: { 'oidc:aud': 'sts.aliyuncs.com', 'oidc:iss': claims['oidc:iss'], ...over },
  });
  const sub = `system:serviceaccount:${serviceAccount.metadata.namespace}:${serviceAccount.metadata.name}`;

  it("the broker's role trusts the cluster's OIDC provider for the deploy/kubernetes service account", () => {
    expect(claims['oidc:sub']).toBe(sub);
    expect(claims['oidc:aud']).toBe('sts.aliyuncs.com');
    expect(evaluateTrust(brokerTrust, rrsa({ 'oidc:sub': sub }))).toBe('allow');
  });

  it('and nothing else: other service accounts, namespaces, clusters, issuers, audiences, RAM identities', () => {
    const [ns, name] = [serviceAccount.metadata.namespace, serviceAccount.metadata.name];
    const refused = [
      rrsa({ 'oidc:sub': `system:serviceaccount:${ns}:default` }),
      rrsa({ 'oidc:sub': `system:serviceaccount:default:${name}` }),
      rrsa({ 'oidc:sub': `system:serviceaccount:${ns}:${name}-debug` }),
      rrsa({ 'oidc:sub': undefined }),
      rrsa({ 'oidc:sub': sub, 'oidc:aud': 'another-audience' }),
      rrsa({ 'oidc:sub': sub, 'oidc:iss': 'https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/another-cluster' }),
      rrsa({ 'oidc:sub': sub }, oidcProviderArn.replace(/ack-rrsa-.*/, 'ack-rrsa-another-cluster')),
      { principal: { kind: 'RAM' as const, arn: `acs:ram::${accountOf(oidcProviderArn)}:root` }, context: { 'oidc:sub': sub } },
    ];
    expect(refused.map((r) => evaluateTrust(brokerTrust, r))).toEqual(refused.map(() => 'implicit_deny'));
  });

  it.each(configuredRoles.map((arn) => [roleName(arn), arn] as const))(
    '%s trusts the broker role only (with its ExternalId)',
    (name, arn) => {
      const trust = parseTrustPolicy(ramJson(`${name}.trust.json`));
      const profile = Object.values(example.profiles).find((p) => p.roleArn === arn)!;
      const externalId: Record<string, string> = profile.externalId === undefined ? {} : { 'sts:ExternalId': profile.externalId };
      const as = (principal: string, context: Record<string, string> = externalId) =>
        evaluateTrust(trust, { principal: { kind: 'RAM', arn: principal }, context });
      expect(as(brokerRoleArn)).toBe('allow');
      expect(as(`acs:ram::${accountOf(brokerRoleArn)}:role/another-app`)).toBe('implicit_deny');
      expect(as(`acs:ram::9999999999999999:role/${brokerRoleName}`)).toBe('implicit_deny');
      expect(evaluateTrust(trust, { principal: { kind: 'Federated', arn: oidcProviderArn }, context: { 'oidc:sub': sub } })).toBe(
        'implicit_deny',
      );
      if (profile.externalId !== undefined) {
        expect(as(brokerRoleArn, {})).toBe('implicit_deny');
        expect(as(brokerRoleArn, { 'sts:ExternalId': 'guessed' })).toBe('implicit_deny');
      }
    },
  );

  it('the trust check does see a policy that trusts a whole account', () => {
    const wide = parseTrustPolicy({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${accountOf(brokerRoleArn)}:root`] } }],
    });
    expect(evaluateTrust(wide, { principal: { kind: 'RAM', arn: `acs:ram::${accountOf(brokerRoleArn)}:role/another-app` } })).toBe('allow');
  });
});
