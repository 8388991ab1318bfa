import { describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { codeOf } from '../../dev/testing/errors.js';
import { teamProfile } from '../../dev/testing/team-profile.js';
import { assertPolicyFits, policyLength, profileSizeProblems, worstCasePolicySize } from './policy-size.js';

const profile: ProfileConfig = {
  bucket: 'example-bucket',
  region: 'cn-hangzhou',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  prefix: 'uploads/${tenant}/${sub}/',
  operations: ['put', 'multipart'],
  fileTypes: { extensions: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf'], contentTypes: ['image/png'] },
  maxSizeBytes: 1000,
  maxFiles: 10,
  maxClaimChars: 64,
  keyNaming: 'original',
  scope: 'prefix',
  durationSeconds: 900,
  conditions: { secureTransport: true },
  clients: ['web'],
};
const threeTypes = { ...profile, fileTypes: { extensions: ['png', 'jpg', 'pdf'], contentTypes: ['image/png'] } };

describe('assertPolicyFits', () => {
  const prefixGrant = { profile: 'uploads', keys: undefined };

  it('passes at the limit; one over in prefix scope is policy_too_large naming the profile and both sizes', () => {
    expect(() => assertPolicyFits('x'.repeat(2048), 2048, prefixGrant)).not.toThrow();
    const run = () => assertPolicyFits('x'.repeat(2049), 2048, prefixGrant);
    expect(run).toThrow(BrokerError);
    expect(run).toThrow(/profile "uploads" is 2049 bytes; the STS limit is 2048/);
    expect(codeOf(run)).toBe('policy_too_large');
  });

  it('in keys scope the declared files are the cause: a 400 the caller can act on', () => {
    const run = () => assertPolicyFits('x'.repeat(2049), 2048, { profile: 'exact', keys: ['a', 'b', 'c'] });
    expect(codeOf(run)).toBe('too_many_files');
    expect(run).toThrow(/3 declared files make a session policy of 2049 bytes/);
  });

  it('counts UTF-8 bytes (never fewer than characters)', () => {
    expect(policyLength('é')).toBe(2);
    expect(() => assertPolicyFits('é'.repeat(1025), 2048, prefixGrant)).toThrow(/2050 bytes/);
  });
});

describe('profileSizeProblems', () => {
  it('a three-type upload profile fits with 64-character claims', () => {
    expect(profileSizeProblems('uploads', threeTypes, 2048)).toEqual([]);
  });

  it('six types do not fit 64-character claims: names maxClaimChars and the largest value that fits', () => {
    const [problem, ...rest] = profileSizeProblems('uploads', profile, 2048);
    expect(rest).toEqual([]);
    const fits = Number(/at most (\d+) fits/.exec(problem ?? '')?.[1]);
    expect(problem).toMatch(/^profiles\.uploads\.maxClaimChars: with 64-character claims the session policy can reach \d+ bytes/);
    // The advice is exact: that many characters fit, one more does not.
    expect(profileSizeProblems('uploads', { ...profile, maxClaimChars: fits }, 2048)).toEqual([]);
    expect(profileSizeProblems('uploads', { ...profile, maxClaimChars: fits + 1 }, 2048)).toHaveLength(1);
  });

  it('a tenant fixed in the configuration is measured at its own length, not at maxClaimChars', () => {
    const partner = { ...profile, prefix: 'partners/${tenant}/${sub}/', maxClaimChars: 80 };
    expect(profileSizeProblems('p', partner, 2048)).toHaveLength(1);
    expect(profileSizeProblems('p', partner, 2048, { tenant: 8 })).toEqual([]);
  });

  it('keys scope with original names proves one longest name; more files are checked per request', () => {
    expect(profileSizeProblems('exact', { ...profile, scope: 'keys', maxFiles: 100 }, 2048)).toEqual([]);
  });

  it('keys scope with random names proves all maxFiles keys, and names the largest count that fits', () => {
    const random = { ...threeTypes, scope: 'keys' as const, keyNaming: 'random' as const };
    expect(profileSizeProblems('exact', { ...random, maxFiles: 3 }, 2048)).toEqual([]);
    const [problem] = profileSizeProblems('exact', { ...random, maxFiles: 40 }, 2048);
    expect(problem).toMatch(/^profiles\.exact\.maxFiles: 40 random keys with 64-character claims make a session policy of \d+ bytes/);
    const fits = Number(/at most (\d+) fit/.exec(problem ?? '')?.[1]);
    expect(profileSizeProblems('exact', { ...random, maxFiles: fits }, 2048)).toEqual([]);
    expect(profileSizeProblems('exact', { ...random, maxFiles: fits + 1 }, 2048)).toHaveLength(1);
  });

  it('names the profile when even the smallest request could not fit', () => {
    const extensions = Array.from({ length: 40 }, (_, i) => `ext${i}`);
    expect(profileSizeProblems('huge', { ...profile, fileTypes: { extensions, contentTypes: ['a/b'] } }, 2048)).toEqual([
      expect.stringMatching(/^profiles\.huge: even the smallest session policy is \d+ bytes, over sts\.policyMaxChars \(2048\)/),
    ]);
  });
});

describe('profileSizeProblems with list claims', () => {
  const wide = { ...teamProfile, maxClaimChars: 64, listClaims: { groups: { maxValues: 8, maxChars: 36 } } };

  it('the shared team profile fits: 5 groups of 32 characters with 32-character claims is 1,664 bytes', () => {
    expect(profileSizeProblems('team', teamProfile, 2048)).toEqual([]);
    expect(worstCasePolicySize('team', teamProfile)).toBe(1664);
  });

  it('refuses a list that could overflow, naming listClaims.<name>.maxValues and the exact count that fits', () => {
    const [problem, ...rest] = profileSizeProblems('team', wide, 2048);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^profiles\.team\.listClaims\.groups\.maxValues: with 8 values of 36 characters for \$\{claims\.groups\} and 64-character claims the session policy can reach \d+ bytes, over sts\.policyMaxChars \(2048\); at most (\d+) values fit$/,
    );
    const fits = Number(/at most (\d+) values fit/.exec(problem ?? '')?.[1]);
    expect(fits).toBeGreaterThan(0);
    const withValues = (maxValues: number) => ({ ...wide, listClaims: { groups: { maxValues, maxChars: 36 } } });
    expect(profileSizeProblems('team', withValues(fits), 2048)).toEqual([]);
    expect(profileSizeProblems('team', withValues(fits + 1), 2048)).toHaveLength(1);
    // The worst case the proof measured is what a token could really produce: the largest accepted set of values.
    expect(worstCasePolicySize('team', withValues(fits))).toBeLessThanOrEqual(2048);
    expect(worstCasePolicySize('team', withValues(fits + 1))).toBeGreaterThan(2048);
  });

  it('uses the defaults (5 values of 36 characters) for a list claim the profile does not configure', () => {
    const defaults = { ...teamProfile, listClaims: undefined };
    const explicit = { ...teamProfile, listClaims: { groups: { maxValues: 5, maxChars: 36 } } };
    expect(worstCasePolicySize('team', defaults)).toBe(worstCasePolicySize('team', explicit));
  });

  it('when not one value fits, says which lengths to lower', () => {
    const [problem] = profileSizeProblems('team', { ...teamProfile, listClaims: { groups: { maxValues: 3, maxChars: 128 } } }, 1000);
    expect(problem).toMatch(/not even one value fits; lower profiles\.team\.listClaims\.groups\.maxChars or maxClaimChars/);
  });

  it('the worst case grows with every value: each group adds its resource and its oss:Prefix', () => {
    const sizes = [1, 2, 3].map((maxValues) =>
      worstCasePolicySize('team', { ...teamProfile, listClaims: { groups: { maxValues, maxChars: 32 } } }),
    );
    expect(sizes[1]! - sizes[0]!).toBe(sizes[2]! - sizes[1]!);
    expect(sizes[1]! - sizes[0]!).toBeGreaterThan(2 * 32);
  });
});
