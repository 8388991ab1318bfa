import { describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { assertPolicyFits, checkProfileFits, policyLength } from './policy-size.js';

const profile: ProfileConfig = {
  bucket: 'example-bucket',
  region: 'cn-hangzhou',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  prefix: 'uploads/${tenant}/${sub}/',
  operations: ['put', 'multipart'],
  fileTypes: { extensions: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf'], contentTypes: ['image/png'] },
  maxSizeBytes: 1000,
  maxFiles: 10,
  keyNaming: 'original',
  scope: 'prefix',
  durationSeconds: 900,
  conditions: { secureTransport: true },
  clients: ['web'],
};

describe('assertPolicyFits', () => {
  it('passes at the limit and refuses one over, naming the profile and both sizes', () => {
    expect(() => assertPolicyFits('x'.repeat(2048), 2048, 'uploads')).not.toThrow();
    const run = () => assertPolicyFits('x'.repeat(2049), 2048, 'uploads');
    expect(run).toThrow(BrokerError);
    expect(run).toThrow(/profile "uploads" is 2049 bytes; the STS limit is 2048/);
    try {
      run();
    } catch (error) {
      expect((error as BrokerError).code).toBe('policy_too_large');
    }
  });

  it('counts UTF-8 bytes (never fewer than characters)', () => {
    expect(policyLength('é')).toBe(2);
    expect(() => assertPolicyFits('é'.repeat(1025), 2048, 'p')).toThrow(/2050 bytes/);
  });
});

describe('checkProfileFits', () => {
  const threeTypes = { ...profile, fileTypes: { extensions: ['png', 'jpg', 'pdf'], contentTypes: ['image/png'] } };

  it('a three-type upload profile fits its worst case (128-character claims)', () => {
    const fit = checkProfileFits('uploads', threeTypes, 2048);
    expect(fit).toEqual({ worstCaseLength: expect.any(Number) as number, fits: true });
    expect(fit.worstCaseLength).toBeGreaterThan(1500);
  });

  it('each extension costs two prefix-long resources: six types only fit shorter claims', () => {
    const fit = checkProfileFits('uploads', profile, 2048);
    expect(fit.fits).toBe(false);
    expect(fit.warning).toMatch(/profile "uploads": with the longest accepted values the session policy would be \d+ bytes/);
  });

  it('keys scope with many long names warns but does not stop start-up', () => {
    const fit = checkProfileFits('exact', { ...profile, scope: 'keys' }, 2048);
    expect(fit.fits).toBe(false);
    expect(fit.warning).toMatch(/profile "exact".*policy_too_large/);
  });

  it('keys scope with random names is estimated from the id and longest extension', () => {
    const fit = checkProfileFits('exact', { ...threeTypes, scope: 'keys', keyNaming: 'random', maxFiles: 3 }, 2048);
    expect(fit.fits).toBe(true);
  });

  it('throws when even the smallest request could not fit', () => {
    const extensions = Array.from({ length: 40 }, (_, i) => `ext${i}`);
    expect(() => checkProfileFits('huge', { ...profile, fileTypes: { extensions, contentTypes: ['a/b'] } }, 2048)).toThrow(
      /profile "huge": even the smallest session policy/,
    );
  });
});
