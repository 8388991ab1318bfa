/**
 * Credentials URLs: the configuration is checked at start-up (each URL names an existing profile that lists
 * its client and hands out tokens, ids are unique across keys and URLs), and only the hash of the secret is needed to
 * accept it.
 */
import { describe, expect, it } from 'vitest';
import { createCredentialUrlAuthenticator, generateCredentialUrl } from './index.js';
import { ConfigError } from '../config/index.js';
import { parseConfig } from '../runtime/load-config.js';

const url = generateCredentialUrl('cu_test_1');

function config(credentialUrls: object[], keyId = 'pk_partner') {
  return parseConfig(
    {
      clients: [
        { id: 'partner', type: 'apiKey', tenant: 'p1', keys: [{ id: keyId, sha256: 'a'.repeat(64) }], credentialUrls },
        { id: 'other', type: 'apiKey', tenant: 'p2', keys: [{ id: 'pk_other', sha256: 'b'.repeat(64) }] },
      ],
      profiles: {
        read: {
          bucket: 'bkt',
          region: 'cn-hangzhou',
          roleArn: 'acs:ram::1:role/r',
          prefix: 'p/${tenant}/',
          operations: ['get'],
          clients: ['partner'],
        },
        drop: {
          bucket: 'bkt',
          region: 'cn-hangzhou',
          roleArn: 'acs:ram::1:role/r',
          prefix: 'd/${tenant}/',
          operations: ['put'],
          paths: ['form'],
          postPolicy: {},
          clients: ['partner'],
        },
        theirs: {
          bucket: 'bkt',
          region: 'cn-hangzhou',
          roleArn: 'acs:ram::1:role/r',
          prefix: 'q/${tenant}/',
          operations: ['get'],
          clients: ['other'],
        },
      },
      sts: { region: 'cn-hangzhou' },
      cache: { encryptionKey: Buffer.alloc(32, 1).toString('base64') },
    },
    { memoryStore: true },
  );
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('credentials URL configuration', () => {
  it('accepts a URL for a profile its client may use, from the hash alone', () => {
    const urls = createCredentialUrlAuthenticator(config([{ id: url.id, sha256: url.sha256, profile: 'read' }]));
    expect(urls.enabled).toBe(true);
    expect(urls.authenticate(url.param, 'read')).toMatchObject({ kind: 'partner', clientId: 'partner', subject: url.id, tenant: 'p1' });
    expect(JSON.stringify(config([{ id: url.id, sha256: url.sha256, profile: 'read' }]))).not.toContain(url.secret);
  });

  it.each([
    [[{ id: 'cu_a', sha256: url.sha256, profile: 'nope' }], 'credentialUrls[0].profile: no profile named "nope"'],
    [[{ id: 'cu_a', sha256: url.sha256, profile: 'theirs' }], 'credentialUrls[0].profile: profile "theirs" does not list client "partner"'],
    [[{ id: 'pk_partner', sha256: url.sha256, profile: 'read' }], 'credentialUrls[0].id: "pk_partner" is already used'],
    [[{ id: 'cu_a', sha256: url.sha256, profile: 'drop' }], 'credentialUrls[0].profile: profile "drop" offers forms only (paths: [form])'],
    [
      [
        { id: 'cu_a', sha256: url.sha256, profile: 'read' },
        { id: 'cu_a', sha256: url.sha256, profile: 'read' },
      ],
      'credentialUrls[1].id: "cu_a" is already used',
    ],
  ])('refuses %j at start-up, naming the field', (urls, message) => {
    expect(problems(() => createCredentialUrlAuthenticator(config(urls))).join('\n')).toContain(message);
  });

  it('is off when none is configured', () => {
    expect(createCredentialUrlAuthenticator(config([])).enabled).toBe(false);
  });
});
