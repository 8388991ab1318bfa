import { describe, it, expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { minimalConfig, randomKey as cacheKey, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const example = fileURLToPath(new URL('../../deploy/config.example.yaml', import.meta.url));
const minimal = minimalConfig();

describe('configuration', () => {
  it('loads the shipped example with secrets from the environment', () => {
    const grantKey = cacheKey();
    const config = loadConfigFile(example, {
      BROKER_REDIS_URL: 'redis://127.0.0.1:6379',
      BROKER_CACHE_KEY: cacheKey(),
      BROKER_GRANT_KEY: grantKey,
    });
    expect(Object.keys(config.profiles)).toEqual(['avatars', 'documents', 'team-files', 'partner-read']);
    expect(config.profiles.avatars?.postPolicy?.callback?.url).toBe('https://broker.example.com/v1/oss-callback');
    expect(config.profiles.avatars?.quota?.bytesPerPrincipal).toEqual([{ limitBytes: 104857600, windowSeconds: 86400 }]);
    expect(config.uploads).toMatchObject({
      grantKey,
      callbackPublicKeyUrls: [
        'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
        'https://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      ],
    });
    expect(config.profiles.avatars?.durationSeconds).toBe(900);
    expect(Object.isFrozen(config.profiles.avatars)).toBe(true);
  });

  it('reads a secret from NAME_FILE and refuses NAME together with NAME_FILE', () => {
    const key = cacheKey();
    const keyFile = writeTempFile(`${key}\n`, 'cache.key');
    const config = loadConfigFile(example, {
      BROKER_REDIS_URL: 'redis://x:6379',
      BROKER_CACHE_KEY_FILE: keyFile,
      BROKER_GRANT_KEY: cacheKey(),
    });
    expect(config.cache.encryptionKey).toBe(key);
    const problems = problemsOf(() =>
      loadConfigFile(example, { BROKER_REDIS_URL: 'redis://x:6379', BROKER_CACHE_KEY: key, BROKER_CACHE_KEY_FILE: keyFile }),
    );
    expect(problems.join()).toMatch(/BROKER_CACHE_KEY: set either/);
  });

  it('refuses production without Redis or an encryption key, and never invents one', () => {
    const problems = problemsOf(() => loadConfigFile(example, {}));
    expect(problems).toContainEqual(expect.stringMatching(/^redis\.url: required/));
    expect(problems).toContainEqual(expect.stringMatching(/^cache\.encryptionKey: required/));
    expect(problems).toContainEqual(expect.stringMatching(/^uploads\.grantKey: required by profiles\.avatars\.postPolicy\.callback/));
  });

  it.each([
    ['profiles.uploads.bucket', { bucket: 'Bad_Bucket' }],
    ['profiles.uploads.durationSeconds', { durationSeconds: 600 }],
    ['profiles.uploads.operations[0]', { operations: ['write'] }],
    ['profiles.uploads.roleArn', { roleArn: 'arn:aws:iam::1:role/x' }],
    ['profiles.uploads', { unknownField: true }],
    ['profiles.uploads.clients[0]', { clients: ['nobody'] }],
  ])('names the bad field %s', (path, patch) => {
    const problems = problemsOf(() => parseConfig(minimalConfig({ profile: patch })));
    expect(problems.some((p) => p.startsWith(`${path}:`))).toBe(true);
  });

  it('refuses a malformed YAML file and a missing file with the path', () => {
    expect(problemsOf(() => loadConfigFile(writeTempFile('clients: [unclosed'), {}))[0]).toMatch(/not valid YAML/);
    expect(problemsOf(() => loadConfigFile(join(tmpdir(), `osb-absent-${randomBytes(4).toString('hex')}.yaml`), {}))[0]).toMatch(
      /cannot read/,
    );
  });

  it('refuses an encryption key of the wrong length', () => {
    const problems = problemsOf(() => parseConfig({ ...minimal, cache: { encryptionKey: randomBytes(16).toString('base64') } }));
    expect(problems).toContainEqual(expect.stringMatching(/^cache\.encryptionKey: must be 32 bytes/));
  });

  it('refuses duplicate API key ids across clients', () => {
    const key = { id: 'pk_dup1', sha256: 'a'.repeat(64) };
    const problems = problemsOf(() =>
      parseConfig({
        ...minimal,
        clients: [
          ...minimal.clients,
          { id: 'p1', type: 'apiKey', tenant: 't', keys: [key] },
          { id: 'p2', type: 'apiKey', tenant: 't', keys: [key] },
        ],
      }),
    );
    expect(problems.join()).toMatch(/duplicate API key id/);
  });
});
