/**
 * Profiles with areas and list claims, through the loader: what start-up accepts, and what it refuses naming the
 * field to change (docs/configuration.md, "Areas and list claims").
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, type RawConfig as Raw } from '../../dev/testing/config.js';
import { teamRules } from '../../dev/testing/team-profile.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

/** `web` supplies `groups` as a list; `team` has its own prefix, a folder per group and a read-only shared folder. */
function base(): Raw {
  const c = minimalConfig();
  c.clients[0].listClaims = ['groups'];
  c.clients.push({ id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: 'pk_test', sha256: 'a'.repeat(64) }] });
  c.profiles.team = { bucket: 'my-bucket', region: 'cn-hangzhou', roleArn: 'acs:ram::123456789012:role/uploader', ...teamRules() };
  return c;
}

function withPatch(patch: (c: Raw) => void): Raw {
  const c = base();
  patch(c);
  return c;
}

const problems = (patch: (c: Raw) => void) => problemsOf(() => parseConfig(withPatch(patch)));

describe('areas and list claims at start-up', () => {
  it('accepts the team profile, with defaults for a list claim it does not configure', () => {
    const config = parseConfig(base());
    expect(config.profiles.team?.areas).toHaveLength(2);
    expect(parseConfig(withPatch((c) => delete c.profiles.team.listClaims)).profiles.team?.listClaims).toBeUndefined();
  });

  it('accepts a list claim named as Amazon Cognito names it', () => {
    const config = parseConfig(
      withPatch((c) => {
        c.clients[0].listClaims = ['cognito:groups'];
        c.profiles.team.areas[0].prefix = 'teams/${tenant}/${claims.cognito:groups}/';
        c.profiles.team.listClaims = { 'cognito:groups': { maxValues: 3 } };
      }),
    );
    expect(config.profiles.team?.listClaims).toEqual({ 'cognito:groups': { maxValues: 3, maxChars: 36 } });
  });

  it('allows a read-only area that contains the own prefix (a tenant-wide read)', () => {
    expect(() => parseConfig(withPatch((c) => (c.profiles.team.areas[1].prefix = 'home/${tenant}/')))).not.toThrow();
  });

  it.each<[string, (c: Raw) => void, RegExp]>([
    [
      'a claim that is both a single value and a list',
      (c) => (c.clients[0].templateClaims = ['groups']),
      /^clients\[0\]\.listClaims: a claim is either a single value \(templateClaims\) or a list \(listClaims\), not both$/,
    ],
    [
      'a list placeholder in the own prefix',
      (c) => (c.profiles.team.prefix = 'home/${tenant}/${claims.groups}/'),
      /^profiles\.team\.prefix: \$\{claims\.groups\} is a list; list placeholders belong in areas\[\]\.prefix$/,
    ],
    [
      'a list the client does not supply',
      (c) => (c.clients[0].listClaims = ['roles']),
      /^profiles\.team\.areas\[0\]\.prefix: list placeholder \$\{claims\.groups\} cannot be filled for client "web" \(add "groups" to clients\[0\]\.listClaims/,
    ],
    [
      'a list for a partner (API-key clients have no list claims)',
      (c) => (c.profiles.team.clients = ['web', 'partner']),
      /^profiles\.team\.areas\[0\]\.prefix: list placeholder \$\{claims\.groups\} cannot be filled for client "partner" \(API-key clients supply no list claims\)$/,
    ],
    [
      'limits for a list no area uses (a typo would leave the real one at the defaults)',
      (c) => (c.profiles.team.listClaims.grops = { maxValues: 2 }),
      /^profiles\.team\.listClaims\.grops: no area of the profile uses \$\{claims\.grops\}$/,
    ],
    [
      'a group folder that could be a user folder',
      (c) => (c.profiles.team.areas[0].prefix = 'home/${tenant}/${claims.groups}/'),
      /^profiles\.team\.areas\[0\]\.prefix: can render the same prefix as profiles\.team\.prefix/,
    ],
    [
      'a literal area that a tenant of that name would own',
      (c) => (c.profiles.team.prefix = '${tenant}/${sub}/'),
      /^profiles\.team\.areas\[1\]\.prefix: can render the same prefix as profiles\.team\.prefix/,
    ],
    [
      'the same area twice',
      (c) => c.profiles.team.areas.push({ prefix: 'shared/${tenant}/', operations: ['get'] }),
      /^profiles\.team\.areas\[2\]\.prefix: the same template as profiles\.team\.areas\[1\]\.prefix; list each area once$/,
    ],
    [
      'two lists in one template (a policy growing as their product)',
      (c) => {
        c.clients[0].listClaims = ['groups', 'roles'];
        c.profiles.team.areas[0].prefix = 'teams/${claims.groups}/${claims.roles}/';
      },
      /^profiles\.team\.areas\[0\]\.prefix: prefix template .*: at most one \$\{claims\.…\} placeholder$/,
    ],
    ['a bad area template', (c) => (c.profiles.team.areas[1].prefix = 'shared/*/'), /^profiles\.team\.areas\[1\]\.prefix: .*wildcards/],
    [
      'more than eight areas',
      (c) => (c.profiles.team.areas = Array.from({ length: 9 }, (_, i) => ({ prefix: `a${i}/`, operations: ['get'] }))),
      /^profiles\.team\.areas: /,
    ],
    ['a value limit of 0', (c) => (c.profiles.team.listClaims.groups.maxValues = 0), /^profiles\.team\.listClaims\.groups\.maxValues: /],
    ['a list claim name with a space', (c) => (c.clients[0].listClaims = ['my groups']), /^clients\[0\]\.listClaims\[0\]: /],
  ])('refuses %s', (_label, patch, expected) => {
    // Some patches break more than one rule (a partner cannot fill ${sub} either): the one named must be among them.
    expect(problems(patch)).toContainEqual(expect.stringMatching(expected));
  });

  it('refuses a profile whose worst case could overflow 2,048 characters, naming the field and what fits', () => {
    const found = problems((c) => (c.profiles.team.listClaims.groups = { maxValues: 12, maxChars: 36 }));
    expect(found).toEqual([
      expect.stringMatching(
        /^profiles\.team\.listClaims\.groups\.maxValues: with 12 values of 36 characters for \$\{claims\.groups\} and 32-character claims the session policy can reach \d+ bytes, over sts\.policyMaxChars \(2048\); at most \d+ values fit$/,
      ),
    ]);
  });

  it('proves the form-signing policy without the areas (forms write the own prefix only)', () => {
    // A profile whose token policy fits only without its areas is refused for `sts` but its forms are fine.
    const config = parseConfig(
      withPatch((c) => {
        c.profiles.team.paths = ['form'];
        c.profiles.team.postPolicy = {};
        c.profiles.team.listClaims.groups = { maxValues: 40, maxChars: 36 };
      }),
    );
    expect(config.profiles.team?.paths).toEqual(['form']);
  });
});
