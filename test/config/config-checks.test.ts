/**
 * Configurations that would run open or broken are refused at start-up, each with a problem that names the field
 * to change (item "configuration that cannot open up").
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, type RawConfig as Raw } from '../../dev/testing/config.js';
import { redisTopology } from '../../src/config/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { buildStore } from '../../src/runtime/build-deps.js';
import { createLogger } from '../../src/shared/logger.js';
import { problemsOf } from '../helpers/config-problems.js';

/** The minimal configuration with `web` taking its tenant from the `org` claim, and a partner with a read profile. */
function base(): Raw {
  const c = minimalConfig();
  const { tenant: _fixed, ...web } = c.clients[0];
  c.clients = [
    { ...web, tenantClaim: 'org' },
    { id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: 'pk_test', sha256: 'a'.repeat(64) }] },
  ];
  c.profiles['partner-read'] = {
    bucket: 'my-bucket',
    region: 'cn-hangzhou',
    roleArn: 'acs:ram::123456789012:role/reader',
    prefix: 'partners/${tenant}/',
    operations: ['get', 'list'],
    clients: ['partner'],
  };
  return c;
}

function withPatch(patch: (c: Raw) => void): Raw {
  const c = base();
  patch(c);
  return c;
}

const problems = (patch: (c: Raw) => void) => problemsOf(() => parseConfig(withPatch(patch)));

describe('the base configuration of these tests', () => {
  it('is valid', () => {
    expect(() => parseConfig(base())).not.toThrow();
  });
});

describe('a store that every replica shares', () => {
  it.each([
    ['an empty cluster', (c: Raw) => (c.redis = { cluster: [] }), /^redis\.cluster: must list at least one node/],
    ['empty sentinels', (c: Raw) => (c.redis = { sentinels: [], sentinelName: 'm' }), /^redis\.sentinels: must list at least one node/],
    [
      'sentinels without sentinelName',
      (c: Raw) => (c.redis = { sentinels: [{ host: 's1', port: 26379 }] }),
      /^redis\.sentinelName: required with redis\.sentinels/,
    ],
    ['sentinelName without sentinels', (c: Raw) => (c.redis.sentinelName = 'm'), /^redis\.sentinelName: only used with redis\.sentinels/],
    [
      'both cluster and sentinels',
      (c: Raw) => (c.redis = { cluster: [{ host: 'c', port: 7000 }], sentinels: [{ host: 's', port: 26379 }], sentinelName: 'm' }),
      /^redis\.cluster: set either cluster or sentinels/,
    ],
    ['no Redis at all', (c: Raw) => (c.redis = {}), /^redis\.url: required/],
    ['a brace in the key prefix (would replace the quota hash tag)', (c: Raw) => (c.redis.keyPrefix = 'osb{x}:'), /^redis\.keyPrefix: /],
  ])('refuses %s', (_name, patch, expected) => {
    expect(problems(patch)).toContainEqual(expect.stringMatching(expected));
  });

  it('accepts a cluster, and Sentinel with its master name', () => {
    expect(() => parseConfig(withPatch((c) => (c.redis = { cluster: [{ host: 'c1', port: 7000 }] })))).not.toThrow();
    expect(() => parseConfig(withPatch((c) => (c.redis = { sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'm' })))).not.toThrow();
  });

  it('has one predicate: an empty node list is no Redis, for the loader and the runtime alike', () => {
    expect(redisTopology({ cluster: [] })).toBe('none');
    expect(redisTopology({ sentinels: [] })).toBe('none');
    expect(redisTopology({ cluster: [{ host: 'c', port: 1 }] })).toBe('cluster');
    expect(redisTopology({ url: 'redis://x' })).toBe('standalone');
  });

  it('the runtime refuses the in-memory store unless an entry point relaxes it in code', async () => {
    const noRedis = parseConfig(
      withPatch((c) => (c.redis = {})),
      { memoryStore: true },
    );
    const logger = createLogger('silent');
    await expect(buildStore(noRedis, logger)).rejects.toThrow(/redis\.url: required/);
    const memory = await buildStore(noRedis, logger, { memoryStore: true });
    expect(memory.kind).toBe('memory');
    await memory.close();
  });
});

describe('prefix placeholders that a client of the profile can fill', () => {
  it('refuses a typo such as ${tenantt}, naming the profile, the placeholder and the client', () => {
    expect(problems((c) => (c.profiles.uploads.prefix = 'uploads/${tenantt}/${sub}/'))).toEqual([
      'profiles.uploads.prefix: placeholder ${tenantt} cannot be filled for client "web", which supplies ${sub}, ${tenant} ' +
        '(add "tenantt" to clients[0].templateClaims if its tokens carry that claim)',
    ]);
  });

  it('accepts a template claim the OIDC client declares', () => {
    const ok = withPatch((c) => {
      c.profiles.uploads.prefix = 'uploads/${tenant}/${team}/${sub}/';
      c.clients[0].templateClaims = ['team'];
    });
    expect(() => parseConfig(ok)).not.toThrow();
  });

  it('refuses ${sub} for an API-key client: a partner supplies ${tenant} only', () => {
    expect(problems((c) => (c.profiles['partner-read'].prefix = 'partners/${tenant}/${sub}/'))).toEqual([
      expect.stringMatching(
        /^profiles\.partner-read\.prefix: placeholder \$\{sub\} cannot be filled for client "partner".*\$\{tenant\} only/,
      ),
    ]);
  });

  it('checks every client of a shared profile', () => {
    const found = problems((c) => (c.profiles.uploads.clients = ['web', 'partner']));
    expect(found).toEqual([
      expect.stringMatching(/^profiles\.uploads\.prefix: placeholder \$\{sub\} cannot be filled for client "partner"/),
    ]);
  });

  it('refuses a fixed tenant that could never be a prefix segment', () => {
    expect(problems((c) => (c.clients[1].tenant = 'acme/partner'))).toEqual([expect.stringMatching(/^clients\[1\]\.tenant: must be/)]);
  });
});

describe('a cache that can reuse tokens', () => {
  it('refuses minRemainingSeconds above half of a profile duration, naming both ways out', () => {
    expect(problems((c) => (c.cache.minRemainingSeconds = 600))).toContainEqual(
      'cache.minRemainingSeconds: 600 leaves profile "uploads" (durationSeconds 900) a reuse window of 300 s, shorter than ' +
        'the floor itself, so its tokens are almost never reused; set it to at most 450 or raise ' +
        'profiles.uploads.durationSeconds to at least 1200',
    );
    expect(problems((c) => (c.cache.minRemainingSeconds = 900))).toContainEqual(expect.stringMatching(/reuse window of 0 s/));
  });

  it('accepts half of the duration, and a longer duration', () => {
    expect(() => parseConfig(withPatch((c) => (c.cache.minRemainingSeconds = 450)))).not.toThrow();
    const longer = withPatch((c) => {
      c.cache.minRemainingSeconds = 600;
      c.profiles.uploads.durationSeconds = 1200;
      c.profiles['partner-read'].durationSeconds = 3600;
    });
    expect(() => parseConfig(longer)).not.toThrow();
  });
});

describe('key naming that takes effect', () => {
  it('refuses keyNaming random with prefix scope (the client names its objects there)', () => {
    expect(problems((c) => (c.profiles.uploads.keyNaming = 'random'))).toEqual([
      expect.stringMatching(/^profiles\.uploads\.keyNaming: "random" needs scope "keys"/),
    ]);
  });

  it('accepts random names in keys scope', () => {
    const ok = withPatch((c) => Object.assign(c.profiles.uploads, { keyNaming: 'random', scope: 'keys' }));
    expect(() => parseConfig(ok)).not.toThrow();
  });
});

describe('a session policy that fits for every valid claim', () => {
  const sevenTypes = {
    extensions: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf', 'txt'],
    contentTypes: ['image/png'],
  };

  it('refuses a profile whose longest accepted claims overflow the STS limit, naming maxClaimChars and what fits', () => {
    const [problem] = problems((c) => (c.profiles.uploads.fileTypes = sevenTypes));
    expect(problem).toMatch(
      /^profiles\.uploads\.maxClaimChars: with 64-character claims the session policy can reach \d+ bytes, over sts\.policyMaxChars \(2048\); at most \d+ fits$/,
    );
    const fits = Number(/at most (\d+) fits/.exec(problem!)?.[1]);
    expect(() =>
      parseConfig(withPatch((c) => Object.assign(c.profiles.uploads, { fileTypes: sevenTypes, maxClaimChars: fits }))),
    ).not.toThrow();
  });

  it('measures a fixed tenant at its own length: a long maxClaimChars is fine when no claim uses it', () => {
    const ok = withPatch((c) => Object.assign(c.profiles['partner-read'], { maxClaimChars: 128 }));
    expect(() => parseConfig(ok)).not.toThrow();
  });

  it('refuses keys-scope random names that cannot all fit, naming maxFiles', () => {
    const found = problems((c) =>
      Object.assign(c.profiles.uploads, {
        scope: 'keys',
        keyNaming: 'random',
        maxFiles: 60,
        fileTypes: { extensions: ['png'], contentTypes: ['image/png'] },
      }),
    );
    expect(found).toEqual([expect.stringMatching(/^profiles\.uploads\.maxFiles: 60 random keys .* at most \d+ fit$/)]);
  });
});

describe('server.drainTimeoutSeconds', () => {
  it('defaults to 20 and must be 0-300', () => {
    expect(parseConfig(base()).server.drainTimeoutSeconds).toBe(20);
    expect(problems((c) => (c.server = { drainTimeoutSeconds: 301 }))).toContainEqual(
      expect.stringMatching(/^server\.drainTimeoutSeconds: /),
    );
  });
});
