/**
 * The form-signing grant has two derivations: from the profile (formSigningProfile, then the rules; start-up checks
 * and a forms-only dry run without files) and from a form request's grant whose rules already ran
 * (formSigningGrant). They must give the same grant, so the same session policy and token-cache entry.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../runtime/load-config.js';
import type { Principal } from '../auth/principal.js';
import { applyProfile } from '../rules/index.js';
import { buildSessionPolicy } from '../policy/index.js';
import { formSigningGrant, formSigningProfile } from './form-signing.js';
import { member, teamProfile } from '../../dev/testing/team-profile.js';

const base = { bucket: 'bkt', region: 'cn-hangzhou', roleArn: 'acs:ram::1:role/r', prefix: 'u/${tenant}/${sub}/', clients: ['web'] };
const config = parseConfig(
  {
    clients: [
      { id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'a', jwksUri: 'https://idp.test/jwks', tenantClaim: 'tenant' },
    ],
    profiles: {
      plain: { ...base, operations: ['put'] },
      'read-write': { ...base, operations: ['put', 'get', 'list', 'delete'], maxSizeBytes: 1000, durationSeconds: 1800 },
      'random-keys': { ...base, operations: ['put', 'get'], scope: 'keys', keyNaming: 'random' },
      typed: {
        ...base,
        operations: ['put'],
        externalId: 'ext-1',
        fileTypes: { extensions: ['png', 'jpg'], contentTypes: ['image/png', 'image/jpeg'] },
        conditions: { sourceIp: ['10.0.0.0/8'], secureTransport: true },
      },
    },
    sts: { endpoint: '127.0.0.1:1' },
    cache: { encryptionKey: Buffer.alloc(32).toString('base64') },
  },
  { memoryStore: true },
);
const alice: Principal = { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme', claims: { sub: 'alice', tenant: 'acme' } };
const files = [
  { name: 'a.png', size: 10, contentType: 'image/png' },
  { name: 'b.jpg', size: 20, contentType: 'image/jpeg' },
];

describe('formSigningGrant', () => {
  for (const [name, profile] of Object.entries(config.profiles)) {
    it(`equals the form-signing profile's grant: ${name}`, () => {
      const formGrant = applyProfile({ profileName: name, profile: { ...profile, scope: 'keys' }, principal: alice, files });
      const fromProfile = applyProfile({ profileName: name, profile: formSigningProfile(profile), principal: alice, files: [] });
      const derived = formSigningGrant(formGrant);
      expect(derived).toEqual(fromProfile);
      expect(buildSessionPolicy(derived).json).toBe(buildSessionPolicy(fromProfile).json);
      expect(derived.operations).toEqual(['put']);
      expect(derived.keys).toBeUndefined();
    });
  }
});

describe('forms of a profile with areas', () => {
  it('the signing token reaches the own prefix only: no team or shared area', () => {
    const principal = member('alice', ['ops']);
    const fromProfile = applyProfile({ profileName: 'team', profile: formSigningProfile(teamProfile), principal, files: [] });
    const formGrant = applyProfile({ profileName: 'team', profile: { ...teamProfile, scope: 'keys' }, principal, files });
    const derived = formSigningGrant(formGrant);
    expect(formGrant.areas).toHaveLength(2);
    expect('areas' in fromProfile).toBe(false);
    expect('areas' in derived).toBe(false);
    expect(derived).toEqual(fromProfile);
    const resources = buildSessionPolicy(derived).document.Statement.flatMap((s) => s.Resource);
    expect(resources.every((r) => r.startsWith('acs:oss:*:*:example-bucket/home/acme/alice/'))).toBe(true);
    expect(teamProfile.areas).toHaveLength(2); // the profile itself is untouched
  });
});
