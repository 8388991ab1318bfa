/**
 * The form service runs the profile's rules once per request: the signing token's grant is derived from the files'
 * grant, not worked out by the rules again (even on a cold memo, when nothing is remembered yet). The rules are
 * watched through a spy that calls the real applyProfile.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../runtime/load-config.js';
import type { Principal } from '../auth/principal.js';
import { applyProfile } from '../rules/apply-profile.js';
import { buildSessionPolicy } from '../policy/index.js';
import { formSigningProfile } from '../profiles/index.js';
import { MemoryStore } from '../store/index.js';
import { createQuotaCounters } from '../quotas/index.js';
import type { TokenCache } from '../cache/index.js';
import type { StsClient } from '../sts/types.js';
import type { AuditEvent } from '../audit/audit.js';
import { createPostPolicyService } from './post-policy-service.js';

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
        scope: 'keys',
        keyNaming: 'random',
        fileTypes: { extensions: ['png'], contentTypes: ['image/png'] },
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 300 },
        clients: ['web'],
      },
    },
    sts: { endpoint: '127.0.0.1:1' },
    cache: { encryptionKey: Buffer.alloc(32).toString('base64') },
  },
  { memoryStore: true },
);
const alice: Principal = { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme', claims: { sub: 'alice', tenant: 'acme' } };
const clock = { now: () => Date.UTC(2030, 0, 1) };

function service() {
  const policies: string[] = [];
  const sts: StsClient = {
    async assumeRole(input) {
      policies.push(input.policy ?? '');
      return { accessKeyId: 'STS.id', accessKeySecret: 'secret', securityToken: 'token', expiresAt: clock.now() + 3600_000 };
    },
  } as StsClient;
  // No cache: every request asks STS, so the test sees the policy each request signs with.
  const tokenCache = {
    getOrIssue: async (_key: string, issue) => ({ credentials: await issue({ background: false }), cached: false }),
  } as TokenCache;
  const store = new MemoryStore();
  const audit: AuditEvent[] = [];
  const forms = createPostPolicyService({
    config,
    sts,
    tokenCache,
    admission: createQuotaCounters(store, clock).admission,
    grants: undefined,
    audit: { record: (event) => audit.push(event) },
    clock,
  });
  return { forms, policies, audit };
}

describe('post-policy service', () => {
  it('runs the rules once per request, and signs with the PutObject-on-prefix token all the same', async () => {
    const { forms, policies } = service();
    const rules = vi.mocked(applyProfile);
    const files = [
      { name: 'a.png', size: 10, contentType: 'image/png' },
      { name: 'b.png', size: 20, contentType: 'image/png' },
    ];
    for (let round = 1; round <= 2; round += 1) {
      rules.mockClear();
      const answer = await forms.handle(alice, { profile: 'forms', files }, { requestId: `r${round}` });
      expect(rules).toHaveBeenCalledTimes(1);
      expect(answer.uploads.map((u) => u.key)).toEqual([
        expect.stringMatching(/^u\/acme\/alice\/[A-Za-z0-9_-]+\.png$/),
        expect.stringMatching(/^u\/acme\/alice\/[A-Za-z0-9_-]+\.png$/),
      ]);
    }
    // The signing token's policy is the one the form-signing profile gives (profiles/form-signing.ts): put on the prefix.
    const signing = rules.getMockImplementation()!({
      profileName: 'forms',
      profile: formSigningProfile(config.profiles.forms!),
      principal: alice,
      files: [],
    });
    expect(policies).toEqual([buildSessionPolicy(signing).json, buildSessionPolicy(signing).json]);
  });
});
