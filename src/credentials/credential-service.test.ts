/**
 * A forms-only profile's dry run with files runs the rules once: the files pass the rules a form applies, and the
 * signing token's grant it shows is derived from that grant rather than worked out again. The rules are watched
 * through a spy that calls the real applyProfile.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../runtime/load-config.js';
import type { Principal } from '../auth/principal.js';
import { applyProfile } from '../rules/apply-profile.js';
import { buildSessionPolicy } from '../policy/index.js';
import { createMetrics } from '../metrics/metrics.js';
import type { TokenCache } from '../cache/index.js';
import type { StsClient } from '../sts/types.js';
import type { Admission } from '../quotas/admission.js';
import { formSigningProfile } from '../profiles/index.js';
import { createCredentialService } from './credential-service.js';
import type { AuditEvent } from '../audit/audit.js';
import { BrokerError } from '../errors.js';
import { policyHash } from '../policy/index.js';

vi.mock('../rules/apply-profile.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../rules/apply-profile.js')>();
  return { ...actual, applyProfile: vi.fn(actual.applyProfile) };
});

const config = parseConfig(
  {
    clients: [
      { id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'a', jwksUri: 'https://idp.test/jwks', tenantClaim: 'tenant' },
    ],
    profiles: {
      forms: {
        bucket: 'bkt',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1:role/r',
        prefix: 'u/${tenant}/${sub}/',
        operations: ['put', 'get'],
        fileTypes: { extensions: ['png'], contentTypes: ['image/png'] },
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 300 },
        clients: ['web'],
      },
      uploads: {
        bucket: 'bkt',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1:role/r',
        prefix: 'u/${tenant}/${sub}/',
        operations: ['put'],
        fileTypes: { extensions: ['png'], contentTypes: ['image/png'] },
        clients: ['web'],
      },
    },
    sts: { endpoint: '127.0.0.1:1' },
    cache: { encryptionKey: Buffer.alloc(32).toString('base64') },
  },
  { memoryStore: true },
);
const alice: Principal = { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme', claims: { sub: 'alice', tenant: 'acme' } };

describe('credential service, forms-only dry run', () => {
  it('runs the rules once and shows the signing token of the form-signing profile', async () => {
    // A dry run reaches neither the cache, STS nor the quota counter.
    const unused = {} as never;
    const credentials = createCredentialService({
      config,
      sts: unused as StsClient,
      tokenCache: unused as TokenCache,
      admission: unused as Admission,
      audit: { record: () => undefined },
      metrics: createMetrics(),
      clock: { now: () => Date.UTC(2030, 0, 1) },
    });
    const rules = vi.mocked(applyProfile);
    const files = [{ name: 'a.png', size: 10, contentType: 'image/png' }];
    const answer = await credentials.handle(alice, { profile: 'forms', files, dryRun: true }, { requestId: 'r' });
    expect(rules).toHaveBeenCalledTimes(1);

    const signing = rules.getMockImplementation()!({
      profileName: 'forms',
      profile: formSigningProfile(config.profiles.forms!),
      principal: alice,
      files: [],
    });
    expect(answer).toEqual({
      grant: expect.objectContaining({ prefix: 'u/acme/alice/', operations: ['put'] }),
      policy: JSON.parse(buildSessionPolicy(signing).json),
    });
    expect('keys' in (answer as { grant: object }).grant).toBe(false);

    rules.mockClear();
    await expect(
      credentials.handle(alice, { profile: 'forms', files: [{ name: 'a.gif', size: 1 }], dryRun: true }, { requestId: 'r' }),
    ).rejects.toMatchObject({ code: 'file_type_not_allowed' });
    expect(rules).toHaveBeenCalledTimes(1);
  });
});

describe('credential service, the audit event of an answer', () => {
  const NOW = Date.UTC(2030, 0, 1, 10, 0, 0, 7);
  const token = { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't', expiresAt: Date.UTC(2030, 0, 1, 10, 15) };
  let fail: BrokerError | undefined;
  const events: AuditEvent[] = [];
  const taken = { taken: true } as const;
  const credentials = createCredentialService({
    config,
    sts: {} as StsClient,
    tokenCache: {
      getOrIssue: async () => {
        if (fail) throw fail;
        return { credentials: token, cached: true };
      },
      peekStale: async () => token,
    } as unknown as TokenCache,
    admission: { admit: async () => ({ grant: taken }), release: async () => undefined },
    audit: { record: (event) => events.push(event) },
    metrics: createMetrics(),
    clock: { now: () => NOW },
  });
  const request = { profile: 'uploads', files: [{ name: 'a.png', size: 10, contentType: 'image/png' }] };
  // Every field, in the order the audit line writes them (pino writes an event's fields in their order). The rules
  // run here, when a test does, so the first describe's count of them is its own.
  const common = () => {
    const grant = applyProfile({ profileName: 'uploads', profile: config.profiles.uploads!, principal: alice, files: request.files });
    return {
      requestId: 'r1',
      at: '2030-01-01T10:00:00.007Z',
      principal: { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme' },
      profile: 'uploads',
      prefix: 'u/acme/alice/',
      policySha256: policyHash(buildSessionPolicy(grant).json),
      roleSessionName: grant.roleSessionName,
      sourceIdentity: grant.sourceIdentity,
      sourceIp: '10.0.0.1',
    };
  };

  it('a cached token: who, what, which token until when, and nothing else', async () => {
    fail = undefined;
    await credentials.handle(alice, request, { requestId: 'r1', sourceIp: '10.0.0.1' });
    await credentials.handle(alice, request, { requestId: 'r1', sourceIp: '10.0.0.1' });
    const expected = {
      ...common(),
      event: 'credentials.cached',
      outcome: 'cached',
      accessKeyId: 'STS.a',
      expiration: '2030-01-01T10:15:00.000Z',
    };
    expect(events.map((e) => JSON.stringify(e))).toEqual([JSON.stringify(expected), JSON.stringify(expected)]);
  });

  it('a stale token: also the failure it stood in for', async () => {
    fail = new BrokerError('upstream_unavailable', 'down');
    events.length = 0;
    await credentials.handle(alice, request, { requestId: 'r1', sourceIp: '10.0.0.1' });
    expect(JSON.stringify(events[0])).toBe(
      JSON.stringify({
        ...common(),
        event: 'credentials.served_stale',
        outcome: 'stale',
        accessKeyId: 'STS.a',
        expiration: '2030-01-01T10:15:00.000Z',
        stale: true,
        code: 'upstream_unavailable',
      }),
    );
  });
});
