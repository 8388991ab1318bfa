/** `postPolicy.forbidOverwrite` and `postPolicy.serverSideEncryption`: accepted as documented, refused by field name. */
import { describe, expect, it } from 'vitest';
import { minimalConfig, randomKey } from '../../dev/testing/config.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const callback = { url: 'https://broker.example.com/v1/oss-callback' };

function withForm(postPolicy: Record<string, unknown>) {
  return minimalConfig({ profile: { paths: ['form'], postPolicy }, uploads: { grantKey: randomKey() } });
}

describe('form pins in the configuration', () => {
  it('accepts no-overwrite and KMS with a key id, and leaves both unset by default', () => {
    const pinned = parseConfig(withForm({ forbidOverwrite: true, serverSideEncryption: { algorithm: 'KMS', kmsKeyId: 'key-hzz62aa' } }));
    expect(pinned.profiles.uploads?.postPolicy).toMatchObject({
      forbidOverwrite: true,
      serverSideEncryption: { algorithm: 'KMS', kmsKeyId: 'key-hzz62aa' },
    });
    const plain = parseConfig(withForm({})).profiles.uploads?.postPolicy;
    expect(plain?.forbidOverwrite).toBeUndefined();
    expect(plain?.serverSideEncryption).toBeUndefined();
  });

  it.each([
    [
      'a key id without KMS',
      { serverSideEncryption: { algorithm: 'AES256', kmsKeyId: 'key-1' } },
      /^profiles\.uploads\.postPolicy\.serverSideEncryption\.kmsKeyId: kmsKeyId needs algorithm: KMS/,
    ],
    [
      'SM4 or another algorithm',
      { serverSideEncryption: { algorithm: 'SM4' } },
      /^profiles\.uploads\.postPolicy\.serverSideEncryption\.algorithm/,
    ],
    [
      'a key id that could carry anything',
      { serverSideEncryption: { algorithm: 'KMS', kmsKeyId: 'key 1"' } },
      /^profiles\.uploads\.postPolicy\.serverSideEncryption\.kmsKeyId: must be a KMS key id or ARN/,
    ],
    [
      'overwrites allowed on a form with a callback',
      { callback, forbidOverwrite: false },
      /^profiles\.uploads\.postPolicy\.forbidOverwrite: a form with a callback always forbids overwrites/,
    ],
  ])('refuses %s', (_, postPolicy, problem) => {
    expect(problemsOf(() => parseConfig(withForm(postPolicy)))).toEqual([expect.stringMatching(problem)]);
  });
});

describe('pins on a profile that also offers tokens', () => {
  const pinned = { postPolicy: { forbidOverwrite: true, serverSideEncryption: { algorithm: 'AES256' } } };
  it.each([
    [
      'paths [sts, form]',
      { ...pinned, paths: ['sts', 'form'] },
      /^profiles\.uploads\.paths: offers "sts", but postPolicy\.forbidOverwrite/,
    ],
    ['the default paths', pinned, /^profiles\.uploads\.paths: defaults to \[sts, form\], but postPolicy\.forbidOverwrite/],
  ])('are refused with %s: a token holder is not held to them', (_, profile, problem) => {
    expect(problemsOf(() => parseConfig(minimalConfig({ profile })))).toEqual([expect.stringMatching(problem)]);
  });

  it('are accepted beside tokens with allowUnenforcedTokenPath, the operator having said so', () => {
    expect(() =>
      parseConfig(minimalConfig({ profile: { ...pinned, paths: ['sts', 'form'], allowUnenforcedTokenPath: true } })),
    ).not.toThrow();
  });
});
