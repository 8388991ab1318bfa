/** `profiles.<name>.paths`: which upload paths a profile offers, and the default for configurations that do not say. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { profilePaths } from '../../src/config/schema.js';
import { problemsOf } from '../helpers/config-problems.js';

const key = () => randomBytes(32).toString('base64');

function config(profile: Record<string, unknown>) {
  return {
    clients: [{ id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'b', jwksUri: 'https://idp.test/jwks', tenant: 'acme' }],
    profiles: {
      avatars: {
        bucket: 'my-bucket',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::123456789012:role/uploader',
        prefix: 'avatars/${tenant}/${sub}/',
        operations: ['put', 'multipart'],
        clients: ['web'],
        ...profile,
      },
    },
    sts: { region: 'cn-hangzhou' },
    redis: { url: 'redis://127.0.0.1:6379' },
    cache: { encryptionKey: key() },
    uploads: { grantKey: key() },
  };
}

const callback = { postPolicy: { callback: { url: 'https://broker.example.com/v1/oss-callback' } } };
const byteQuota = { quota: { bytesPerPrincipal: [{ limitBytes: 1e8, windowSeconds: 86400 }] } };
const pathsOf = (profile: Record<string, unknown>) => profilePaths(parseConfig(config(profile)).profiles.avatars!);

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
  ])('refuses %s, naming the field', (_what, profile, path) => {
    const problems = problemsOf(() => parseConfig(config(profile)));
    expect(
      problems.some((p) => p.startsWith(`${path}:`)),
      problems.join('\n'),
    ).toBe(true);
  });
});
