import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { validateConfig } from '../config/load.js';
import { parseConfig } from './load-config.js';

/** A configuration with one problem of config/'s own (metrics port) and one of the profile checks (template). */
const input = {
  server: { port: 8080, metricsPort: 8080 },
  clients: [{ id: 'partner', type: 'apiKey', tenant: 'p1', keys: [{ id: 'pk_partner', sha256: 'a'.repeat(64) }] }],
  profiles: {
    read: {
      bucket: 'bkt',
      region: 'cn-hangzhou',
      roleArn: 'acs:ram::1:role/r',
      prefix: 'p/${tenantt}/',
      operations: ['get'],
      clients: ['partner'],
    },
  },
  sts: { region: 'cn-hangzhou' },
  cache: { encryptionKey: Buffer.alloc(32, 1).toString('base64') },
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the configuration loader', () => {
  it("reports the configuration's own problems and the profiles' together, in one pass", () => {
    expect(problemsOf(() => parseConfig(input, { memoryStore: true }))).toEqual([
      'server.metricsPort: must differ from server.port',
      expect.stringMatching(/^profiles\.read\.prefix: placeholder \$\{tenantt\} cannot be filled for client "partner"/),
    ]);
  });

  it('is what adds the profile checks: config/ alone runs only its own', () => {
    expect(problemsOf(() => validateConfig(input, { memoryStore: true }, () => []))).toEqual([
      'server.metricsPort: must differ from server.port',
    ]);
  });
});
