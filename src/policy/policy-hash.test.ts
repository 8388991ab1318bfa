import { describe, expect, it } from 'vitest';
import { policyHash } from './policy-hash.js';

describe('policyHash', () => {
  it('is the sha256 hex of the text', () => {
    expect(policyHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(policyHash('{"Version":"1"}')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes UTF-8, so non-ASCII keys are stable', () => {
    expect(policyHash('é')).toBe(policyHash('\u00e9'));
    expect(policyHash('é')).not.toBe(policyHash('e\u0301'));
  });
});
