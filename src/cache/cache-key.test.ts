/**
 * Invariant 5: the cache key changes with every AssumeRole parameter and with the token's purpose, and field
 * boundaries cannot be shifted.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tokenCacheKey, type TokenCacheKeyInput } from './index.js';

const base: TokenCacheKeyInput = {
  purpose: 'credentials',
  roleArn: 'acs:ram::123456789012:role/uploader',
  externalId: undefined,
  policyJson: '{"Version":"1","Statement":[]}',
  durationSeconds: 900,
  roleSessionName: 'acme.alice',
};

describe('tokenCacheKey', () => {
  it('is a stable sha256 hex', () => {
    expect(tokenCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenCacheKey({ ...base })).toBe(tokenCacheKey(base));
  });

  it.each<[string, Partial<TokenCacheKeyInput>]>([
    ['roleArn', { roleArn: 'acs:ram::123456789012:role/other' }],
    ['externalId (absent → present)', { externalId: 'partner-1' }],
    ['externalId (absent → empty)', { externalId: '' }],
    ['policyJson', { policyJson: '{"Version":"1","Statement":[{}]}' }],
    ['durationSeconds', { durationSeconds: 901 }],
    ['roleSessionName', { roleSessionName: 'acme.bob' }],
    ['sourceIdentity (absent → present)', { sourceIdentity: 'alice@acme@web' }],
    ['sourceIdentity (absent → empty)', { sourceIdentity: '' }],
    ['purpose (credentials → form-signing)', { purpose: 'form-signing' }],
  ])('changes with %s', (_field, change) => {
    expect(tokenCacheKey({ ...base, ...change })).not.toBe(tokenCacheKey(base));
  });

  it('cannot be forged by moving text between fields', () => {
    const a = tokenCacheKey({ ...base, roleSessionName: 'x', policyJson: 'policy;roleSessionName=1:y' });
    const b = tokenCacheKey({ ...base, roleSessionName: 'y', policyJson: 'policy' });
    expect(a).not.toBe(b);
    expect(tokenCacheKey({ ...base, roleSessionName: 'a;sourceIdentity=1:b' })).not.toBe(
      tokenCacheKey({ ...base, roleSessionName: 'a', sourceIdentity: 'b' }),
    );
    expect(tokenCacheKey({ ...base, externalId: 'ab', roleArn: 'c' })).not.toBe(tokenCacheKey({ ...base, externalId: 'b', roleArn: 'ca' }));
  });

  it('distinct inputs give distinct keys (property)', () => {
    const input = fc.record({
      purpose: fc.constantFrom<TokenCacheKeyInput['purpose']>('credentials', 'form-signing'),
      roleArn: fc.string(),
      externalId: fc.option(fc.string(), { nil: undefined }),
      policyJson: fc.string(),
      durationSeconds: fc.integer({ min: 900, max: 43_200 }),
      roleSessionName: fc.string(),
      sourceIdentity: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(input, input, (x, y) => {
        const same =
          x.purpose === y.purpose &&
          x.roleArn === y.roleArn &&
          x.externalId === y.externalId &&
          x.policyJson === y.policyJson &&
          x.durationSeconds === y.durationSeconds &&
          x.roleSessionName === y.roleSessionName &&
          x.sourceIdentity === y.sourceIdentity;
        expect(tokenCacheKey(x) === tokenCacheKey(y)).toBe(same);
      }),
    );
  });
});
