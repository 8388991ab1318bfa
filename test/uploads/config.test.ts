/**
 * The configuration of storage-enforced uploads: `postPolicy`, `quota.bytesPerPrincipal` and `uploads`, strict and
 * checked at start-up with the path of every bad field; the grant key comes from the environment, never generated.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { minimalConfig, randomKey as key, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const base = (profile: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => minimalConfig({ profile, ...extra });

const withCallback = { postPolicy: { callback: { url: 'https://broker.example.com/v1/oss-callback' } } };

describe('upload configuration', () => {
  it('takes postPolicy, byte quotas and the uploads section, with defaults', () => {
    const config = parseConfig(
      base(
        { ...withCallback, paths: ['form'], quota: { bytesPerPrincipal: [{ limitBytes: 1e9, windowSeconds: 86400 }] } },
        { uploads: { grantKey: key() } },
      ),
    );
    const profile = config.profiles.uploads!;
    expect(profile.postPolicy).toEqual({ formLifetimeSeconds: 600, callback: { url: 'https://broker.example.com/v1/oss-callback' } });
    expect(profile.quota).toEqual({ bytesPerPrincipal: [{ limitBytes: 1e9, windowSeconds: 86400 }] });
    expect(config.uploads.callbackPublicKeyUrls).toEqual([
      'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem',
    ]);
    expect(config.uploads.publicKeyTimeoutMs).toBe(2000);
  });

  it('needs a grant key when a profile has a callback, and never makes one up', () => {
    expect(problemsOf(() => parseConfig(base(withCallback)))).toEqual([
      'uploads.grantKey: required by profiles.uploads.postPolicy.callback (BROKER_GRANT_KEY or BROKER_GRANT_KEY_FILE)',
    ]);
    expect(problemsOf(() => parseConfig(base(withCallback, { uploads: { grantKey: randomBytes(16).toString('base64') } })))).toEqual([
      'uploads.grantKey: must be at least 32 bytes, base64-encoded',
    ]);
    // A profile without a callback has no x:grant to sign.
    expect(parseConfig(base({ postPolicy: {} })).uploads.grantKey).toBeUndefined();
  });

  it('reads the grant key from BROKER_GRANT_KEY or BROKER_GRANT_KEY_FILE', () => {
    const yaml = writeTempFile(base(withCallback));
    const k = key();
    expect(loadConfigFile(yaml, { BROKER_GRANT_KEY: k }).uploads.grantKey).toBe(k);
    const file = writeTempFile(`${k}\n`, 'grant.key');
    expect(loadConfigFile(yaml, { BROKER_GRANT_KEY_FILE: file }).uploads.grantKey).toBe(k);
    expect(problemsOf(() => loadConfigFile(yaml, {}))[0]).toMatch(/^uploads\.grantKey: required/);
  });

  it.each([
    [
      'a form lifetime longer than the token',
      { postPolicy: { formLifetimeSeconds: 1200 } },
      'profiles.uploads.postPolicy.formLifetimeSeconds',
    ],
    ['a form lifetime under a minute', { postPolicy: { formLifetimeSeconds: 30 } }, 'profiles.uploads.postPolicy.formLifetimeSeconds'],
    ['forms without the put operation', { operations: ['get'], postPolicy: {} }, 'profiles.uploads.postPolicy'],
    ['an unknown postPolicy field', { postPolicy: { maxBytes: 1 } }, 'profiles.uploads.postPolicy'],
    ['a callback URL that is not http(s)', { postPolicy: { callback: { url: 'ftp://x/cb' } } }, 'profiles.uploads.postPolicy.callback.url'],
    ['an unknown callback field', { postPolicy: { callback: { url: 'https://x/cb', body: 'x' } } }, 'profiles.uploads.postPolicy.callback'],
    ['an empty quota', { quota: {} }, 'profiles.uploads.quota'],
    [
      'a byte window over 2^46 bytes',
      { quota: { bytesPerPrincipal: [{ limitBytes: 2 ** 46 + 1, windowSeconds: 60 }] } },
      'profiles.uploads.quota.bytesPerPrincipal[0].limitBytes',
    ],
    [
      'a byte window named like a request window',
      { quota: { bytesPerPrincipal: [{ limit: 10, windowSeconds: 60 }] } },
      'profiles.uploads.quota.bytesPerPrincipal[0]',
    ],
  ])('refuses %s, naming the field', (_what, profile, path) => {
    const problems = problemsOf(() => parseConfig(base(profile)));
    expect(
      problems.some((p) => p.startsWith(`${path}:`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it.each([
    [{ callbackPublicKeyUrls: ['gosspublic.alicdn.com'] }, 'uploads.callbackPublicKeyUrls[0]'],
    [{ callbackPublicKeyUrls: ['ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem'] }, 'uploads.callbackPublicKeyUrls[0]'],
    [{ callbackPublicKeyUrls: ['http://user@gosspublic.alicdn.com/callback_pub_key_v1.pem'] }, 'uploads.callbackPublicKeyUrls[0]'],
    [{ callbackPublicKeyUrls: ['http://gosspublic.alicdn.com/callback_pub_key_v1.pem#k'] }, 'uploads.callbackPublicKeyUrls[0]'],
    [{ callbackPublicKeyUrls: [] }, 'uploads.callbackPublicKeyUrls'],
    [{ publicKeyTimeoutMs: 6000 }, 'uploads.publicKeyTimeoutMs'],
    [{ allowAnyHost: true }, 'uploads'],
  ])('refuses uploads %j', (uploads, path) => {
    const problems = problemsOf(() => parseConfig(base({}, { uploads })));
    expect(
      problems.some((p) => p.startsWith(`${path}:`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('takes exact key URLs, and names the spelling a key URL must have to be compared exactly', () => {
    const url = 'http://127.0.0.1:9000/.well-known/oss-callback-public-key.pem';
    expect(parseConfig(base({}, { uploads: { callbackPublicKeyUrls: [url] } })).uploads.callbackPublicKeyUrls).toEqual([url]);
    expect(
      problemsOf(() => parseConfig(base({}, { uploads: { callbackPublicKeyUrls: ['HTTP://GOSSPUBLIC.alicdn.com:80/k.pem'] } }))),
    ).toEqual(['uploads.callbackPublicKeyUrls[0]: must be written as http://gosspublic.alicdn.com/k.pem']);
  });

  it('refuses the host list it replaced, naming the field to use instead (a host admits any page on it)', () => {
    const problems = problemsOf(() => parseConfig(base({}, { uploads: { callbackPublicKeyHosts: ['gosspublic.alicdn.com'] } })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^uploads\.callbackPublicKeyHosts: replaced by uploads\.callbackPublicKeyUrls\b/);
  });
});
