/**
 * `profiles.<name>.paths` and `allowUnenforcedTokenPath`: which upload paths a profile offers, the default for
 * configurations that do not say, and the start-up refusal of a profile that promises storage-enforced limits (a
 * byte quota settled by a form callback) while also handing out tokens that can write past them.
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, randomKey, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { profilePaths } from '../../src/config/schema.js';
import { problemsOf } from '../helpers/config-problems.js';

/** The minimal configuration with its one profile as `avatars`, which also allows multipart, patched by `profile`. */
function config(profile: Record<string, unknown>) {
  const c = minimalConfig({ uploads: { grantKey: randomKey() } });
  const avatars = { ...c.profiles.uploads, prefix: 'avatars/${tenant}/${sub}/', operations: ['put', 'multipart'], ...profile };
  c.profiles = { avatars };
  return c;
}

const callback = { postPolicy: { callback: { url: 'https://broker.example.com/v1/oss-callback' } } };
const byteQuota = { quota: { bytesPerPrincipal: [{ limitBytes: 1e8, windowSeconds: 86400 }] } };
const pathsOf = (profile: Record<string, unknown>) => profilePaths(parseConfig(config(profile)).profiles.avatars!);
const UNSAFE = 'quota.bytesPerPrincipal with postPolicy.callback is enforced by the storage on the form path only';

describe('profiles.<name>.paths', () => {
  it('defaults to what the profile offered before it could say: sts, plus form with postPolicy', () => {
    expect(pathsOf({})).toEqual(['sts']);
    expect(pathsOf({ postPolicy: {} })).toEqual(['sts', 'form']);
    // A byte quota without a callback promises nothing the storage holds: tokens and forms both count declarations.
    expect(pathsOf({ postPolicy: {}, ...byteQuota })).toEqual(['sts', 'form']);
    expect(pathsOf(callback)).toEqual(['sts', 'form']);
  });

  it('takes [sts], [form] and [sts, form] as given', () => {
    expect(pathsOf({ paths: ['sts'] })).toEqual(['sts']);
    expect(pathsOf({ paths: ['form'], ...callback, ...byteQuota })).toEqual(['form']);
    expect(pathsOf({ paths: ['sts', 'form'], postPolicy: {} })).toEqual(['sts', 'form']);
  });

  it.each([
    ['form without postPolicy', { paths: ['form'] }, 'profiles.avatars.paths: "form" needs postPolicy (the form settings)'],
    [
      'postPolicy without form',
      { paths: ['sts'], postPolicy: {} },
      'profiles.avatars.paths: postPolicy is set but paths does not list "form"; add "form" or remove postPolicy',
    ],
  ])('refuses %s, naming the path', (_what, profile, problem) => {
    expect(problemsOf(() => parseConfig(config(profile)))).toEqual([problem]);
  });

  it.each([
    ['an empty list', { paths: [] }, 'profiles.avatars.paths'],
    ['an unknown path', { paths: ['sts', 'presigned'] }, 'profiles.avatars.paths[1]'],
    ['a path twice', { paths: ['sts', 'sts'] }, 'profiles.avatars.paths'],
    ['a flag that is not a boolean', { allowUnenforcedTokenPath: 'yes' }, 'profiles.avatars.allowUnenforcedTokenPath'],
  ])('refuses %s, naming the field', (_what, profile, path) => {
    const problems = problemsOf(() => parseConfig(config(profile)));
    expect(
      problems.some((p) => p.startsWith(`${path}:`)),
      problems.join('\n'),
    ).toBe(true);
  });
});

describe('a byte quota the storage enforces, and tokens that can write past it', () => {
  it('refuses the default [sts, form] of a profile with a byte quota and a callback, naming the path', () => {
    const [problem, ...rest] = problemsOf(() => parseConfig(config({ ...callback, ...byteQuota })));
    expect(rest).toEqual([]);
    expect(problem).toBe(
      `profiles.avatars.paths: defaults to [sts, form], but ${UNSAFE}: a token holder can upload any size and type its ` +
        'session policy allows, uncounted. Set paths: [form], or allowUnenforcedTokenPath: true to accept that',
    );
  });

  it('refuses an explicit [sts, form] too, unless the operator says so with allowUnenforcedTokenPath', () => {
    expect(problemsOf(() => parseConfig(config({ paths: ['sts', 'form'], ...callback, ...byteQuota })))).toEqual([
      expect.stringMatching(new RegExp(`^profiles\\.avatars\\.paths: offers "sts", but ${UNSAFE}`)),
    ]);
    const allowed = parseConfig(config({ paths: ['sts', 'form'], allowUnenforcedTokenPath: true, ...callback, ...byteQuota }));
    expect(allowed.profiles.avatars).toMatchObject({ paths: ['sts', 'form'], allowUnenforcedTokenPath: true });
    expect(profilePaths(parseConfig(config({ allowUnenforcedTokenPath: true, ...callback, ...byteQuota })).profiles.avatars!)).toEqual([
      'sts',
      'form',
    ]);
  });

  it('accepts forms only, a callback without a byte quota, and a byte quota without a callback', () => {
    expect(() => parseConfig(config({ paths: ['form'], ...callback, ...byteQuota }))).not.toThrow();
    expect(() => parseConfig(config(callback))).not.toThrow();
    expect(() => parseConfig(config({ postPolicy: {}, ...byteQuota }))).not.toThrow();
    expect(() => parseConfig(config(byteQuota))).not.toThrow();
  });

  it('stops start-up from a configuration file with the unsafe combination', () => {
    const unsafe = writeTempFile(config({ ...callback, ...byteQuota }));
    expect(problemsOf(() => loadConfigFile(unsafe, {}))).toContainEqual(
      expect.stringMatching(/^profiles\.avatars\.paths: defaults to \[sts, form\]/),
    );
    const formsOnly = writeTempFile(config({ paths: ['form'], ...callback, ...byteQuota }));
    expect(profilePaths(loadConfigFile(formsOnly, {}).profiles.avatars!)).toEqual(['form']);
  });
});
