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
