import { describe, expect, it } from 'vitest';
import { createGrantPreparer } from './prepare-grant.js';
import { parseConfig } from '../runtime/load-config.js';
import type { Principal } from '../auth/principal.js';
import { member, teamProfile } from '../../dev/testing/team-profile.js';

const config = parseConfig(
  {
    clients: [
      { id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'a', jwksUri: 'https://idp.test/jwks', tenantClaim: 'tenant' },
    ],
    profiles: {
      p: {
        bucket: 'bkt',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1:role/r',
        prefix: 'u/${tenant}/${sub}/',
        operations: ['put'],
        clients: ['web'],
      },
      r: {
        bucket: 'bkt',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1:role/r',
        prefix: 'u/${tenant}/${sub}/',
        operations: ['put'],
        scope: 'keys',
        keyNaming: 'random',
        clients: ['web'],
      },
    },
    sts: { endpoint: '127.0.0.1:1' },
    cache: { encryptionKey: Buffer.alloc(32).toString('base64') },
  },
  { memoryStore: true },
);
const user = (sub: string): Principal => ({ kind: 'user', clientId: 'web', subject: sub, tenant: 'acme', claims: { sub, tenant: 'acme' } });
const clock = { now: () => 1_000_000 };

describe('prepared grants', () => {
  it('reuses the result for the same principal and body, and never across principals or bodies', () => {
    const prepare = createGrantPreparer(config, clock);
    const a1 = prepare('p', config.profiles.p!, user('alice'), [], 'credentials');
    expect(prepare('p', config.profiles.p!, user('alice'), [], 'credentials')).toBe(a1);
    const b = prepare('p', config.profiles.p!, user('bob'), [], 'credentials');
    expect(b.grant.prefix).toBe('u/acme/bob/');
    expect(b.cacheKey).not.toBe(a1.cacheKey);
    const withFile = prepare('p', config.profiles.p!, user('alice'), [{ name: 'x.txt' }], 'credentials');
    expect(withFile).not.toBe(a1);
  });

  it('hands out a frozen grant, lists included: every request that hits the entry shares it', () => {
    const prepare = createGrantPreparer(config, clock);
    const { grant } = prepare('p', config.profiles.p!, user('alice'), [], 'credentials');
    expect(Object.isFrozen(grant) && Object.isFrozen(grant.operations)).toBe(true);
    expect(() => (grant.operations as string[]).push('get')).toThrow(TypeError);
  });

  it('gives fresh random keys on every request, and recomputes (so re-throws) refusals', () => {
    const prepare = createGrantPreparer(config, clock);
    const first = prepare('r', config.profiles.r!, user('alice'), [{ name: 'x.txt' }], 'credentials');
    const second = prepare('r', config.profiles.r!, user('alice'), [{ name: 'x.txt' }], 'credentials');
    expect(first.grant.keys).not.toEqual(second.grant.keys);
    for (let i = 0; i < 2; i += 1) {
      expect(() => prepare('p', config.profiles.p!, user('al*ce'), [], 'credentials')).toThrow(
        expect.objectContaining({ code: 'invalid_name' }),
      );
    }
  });
});

describe('prepared grants with list claims (the token is per principal, profile and claim values)', () => {
  const prepare = createGrantPreparer(config, clock);
  const get = (principal: Principal) => prepare('team', teamProfile, principal, [], 'credentials');

  it('two members of different groups never share a cache key, nor do two users of the same groups', () => {
    const keys = [get(member('alice', ['ops'])), get(member('alice', ['design'])), get(member('bob', ['ops']))].map((p) => p.cacheKey);
    expect(new Set(keys).size).toBe(3);
  });

  it('the same groups in another order or repeated give the same policy and cache key', () => {
    const a = get(member('alice', ['ops', 'design']));
    const b = get(member('alice', ['design', 'ops', 'ops']));
    expect(b.cacheKey).toBe(a.cacheKey);
    expect(b.policy.json).toBe(a.policy.json);
  });

  it('a caller whose groups changed is not answered from the memo of the old ones', () => {
    const before = get(member('carol', ['ops']));
    const after = get(member('carol', ['ops', 'design']));
    expect(after.grant.areas?.map((a) => a.prefix)).toContain('teams/acme/design/');
    expect(after.cacheKey).not.toBe(before.cacheKey);
    expect(get(member('carol', [])).grant.areas?.map((a) => a.prefix)).toEqual(['shared/acme/']);
  });

  it('absent and empty groups are the same grant', () => {
    expect(get(member('dave')).cacheKey).toBe(get(member('dave', [])).cacheKey);
  });
});
