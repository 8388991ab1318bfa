import { describe, expect, it } from 'vitest';
import { createGrantPreparer } from './prepare-grant.js';
import { parseConfig } from '../runtime/load-config.js';
import type { Principal } from '../auth/principal.js';

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
