import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { configSchema } from '../config/schema.js';
import { checkProfiles, profileProblems } from './check-profiles.js';

/** Schema-valid, so only the checks of this module can refuse it. */
function config(patch: { prefix?: string; clients?: string[]; urlProfile?: string } = {}) {
  return configSchema.parse({
    clients: [
      {
        id: 'partner',
        type: 'apiKey',
        tenant: 'p1',
        keys: [{ id: 'pk_partner', sha256: 'a'.repeat(64) }],
        credentialUrls: [{ id: 'cu_partner', sha256: 'b'.repeat(64), profile: patch.urlProfile ?? 'read' }],
      },
    ],
    profiles: {
      read: {
        bucket: 'bkt',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1:role/r',
        prefix: patch.prefix ?? 'p/${tenant}/',
        operations: ['get'],
        clients: patch.clients ?? ['partner'],
      },
    },
    sts: { region: 'cn-hangzhou' },
  });
}

describe('profileProblems', () => {
  it('passes a profile its clients can use', () => {
    expect(profileProblems(config())).toEqual([]);
    expect(() => checkProfiles(config())).not.toThrow();
  });

  it('checks the references, the prefix template and the credentials URLs in one call', () => {
    expect(profileProblems(config({ clients: ['partner', 'ghost'], prefix: 'p/${sub}/', urlProfile: 'nope' }))).toEqual([
      'profiles.read.clients[1]: no client with id "ghost"',
      'profiles.read.prefix: placeholder ${sub} cannot be filled for client "partner", which supplies ${tenant} (API-key clients supply ${tenant} only)',
      'clients[0].credentialUrls[0].profile: no profile named "nope"',
    ]);
  });

  it('stops start-up with every problem, for a configuration that did not come through the loader', () => {
    const refused = (() => {
      try {
        checkProfiles(config({ prefix: 'p/${tenant' }));
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([expect.stringMatching(/^profiles\.read\.prefix: /)]);
  });
});
