import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const example = fileURLToPath(new URL('../../deploy/config.example.yaml', import.meta.url));
const cacheKey = () => randomBytes(32).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'osb-config-'));

function writeYaml(text: string): string {
  const path = join(dir, `${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(path, text);
  return path;
}

const minimal = {
  clients: [{ id: 'web', type: 'oidc', issuer: 'https://idp.test/', audience: 'b', jwksUri: 'https://idp.test/jwks', tenant: 'acme' }],
  profiles: {
    uploads: {
      bucket: 'my-bucket',
      region: 'cn-hangzhou',
      roleArn: 'acs:ram::123456789012:role/uploader',
      prefix: 'uploads/${tenant}/${sub}/',
      operations: ['put'],
      clients: ['web'],
    },
  },
  sts: { region: 'cn-hangzhou' },
  redis: { url: 'redis://127.0.0.1:6379' },
  cache: { encryptionKey: cacheKey() },
};

describe('configuration', () => {
  it('loads the shipped example with secrets from the environment', () => {
    const grantKey = cacheKey();
    const config = loadConfigFile(example, {
      BROKER_REDIS_URL: 'redis://127.0.0.1:6379',
      BROKER_CACHE_KEY: cacheKey(),
      BROKER_GRANT_KEY: grantKey,
    });
    expect(Object.keys(config.profiles)).toEqual(['avatars', 'documents', 'partner-read']);
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
    const keyFile = join(dir, 'cache.key');
    const key = cacheKey();
    writeFileSync(keyFile, `${key}\n`);
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
    const input = structuredClone(minimal) as typeof minimal & { profiles: { uploads: Record<string, unknown> } };
    Object.assign(input.profiles.uploads, patch);
    const problems = problemsOf(() => parseConfig(input));
    expect(problems.some((p) => p.startsWith(`${path}:`))).toBe(true);
  });

  it('refuses a malformed YAML file and a missing file with the path', () => {
    expect(problemsOf(() => loadConfigFile(writeYaml('clients: [unclosed'), {}))[0]).toMatch(/not valid YAML/);
    expect(problemsOf(() => loadConfigFile(join(dir, 'absent.yaml'), {}))[0]).toMatch(/cannot read/);
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
