import { describe, expect, it } from 'vitest';
import { codeOf } from '../../dev/testing/errors.js';
import { member, teamProfile } from '../../dev/testing/team-profile.js';
import type { BrokerError } from '../errors.js';
import { applyProfile } from './apply-profile.js';
import { listClaimLimits, listClaimValues } from './list-claims.js';

const limits = { maxValues: 3, maxChars: 8 };
const values = (groups?: readonly string[]) => listClaimValues(member('alice', groups), 'groups', limits, 'team');

describe('listClaimValues', () => {
  it('sorts the values, so the token order never changes the policy', () => {
    expect(values(['ops', 'design', 'data'])).toEqual(['data', 'design', 'ops']);
  });

  it('collapses duplicates, which count once', () => {
    expect(values(['ops', 'ops', 'data', 'ops', 'design'])).toEqual(['data', 'design', 'ops']);
  });

  it('treats an absent claim as no values', () => {
    expect(values(undefined)).toEqual([]);
    expect(values([])).toEqual([]);
  });

  it('refuses more distinct values than maxValues with 403 too_many_claim_values, never a cut', () => {
    const run = () => values(['a', 'b', 'c', 'd']);
    expect(codeOf(run)).toBe('too_many_claim_values');
    try {
      run();
    } catch (error) {
      const refusal = error as BrokerError;
      expect(refusal.status).toBe(403);
      expect(refusal.detail).toBe('claim "groups" has 4 distinct values; profile "team" uses at most 3');
      expect(refusal.extensions).toEqual({ claim: 'groups', maxValues: 3 });
    }
  });

  it.each([
    ['an empty value', ['ops', '']],
    ['a value over maxChars', ['ops', 'x'.repeat(9)]],
    ['a slash', ['a/b']],
    ['a climb', ['..']],
    ['a wildcard', ['team*']],
    ['a placeholder', ['${sub}']],
    ['a control character', ['a\u0000']],
    ['a space', ['my team']],
    ['non-ASCII', ['équipe']],
  ])('refuses %s with invalid_name, naming the position but not the value', (_label, groups) => {
    const run = () => values(groups);
    expect(codeOf(run)).toBe('invalid_name');
    expect(run).toThrow(/claim "groups" value #\d/);
  });

  it('accepts exactly maxChars characters', () => {
    expect(values(['x'.repeat(8)])).toEqual(['x'.repeat(8)]);
  });

  it('takes the profile limits, or the defaults for a claim it does not list', () => {
    expect(listClaimLimits(teamProfile, 'groups')).toEqual({ maxValues: 5, maxChars: 32 });
    expect(listClaimLimits(teamProfile, 'roles')).toEqual({ maxValues: 5, maxChars: 36 });
    expect(listClaimLimits({ listClaims: undefined }, 'constructor')).toEqual({ maxValues: 5, maxChars: 36 });
  });
});

describe('applyProfile with areas', () => {
  it('renders the own prefix, one team area per group (sorted) and the shared area', () => {
    const grant = applyProfile({ profileName: 'team', profile: teamProfile, principal: member('alice', ['ops', 'design']) });
    expect(grant.prefix).toBe('home/acme/alice/');
    expect(grant.areas).toEqual([
      { prefix: 'teams/acme/design/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'teams/acme/ops/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'shared/acme/', operations: ['get', 'list'] },
    ]);
  });

  it('a user in no group still gets the own and shared areas', () => {
    const grant = applyProfile({ profileName: 'team', profile: teamProfile, principal: member('alice') });
    expect(grant.areas).toEqual([{ prefix: 'shared/acme/', operations: ['get', 'list'] }]);
  });

  it('a profile without areas gives a grant without the field', () => {
    const { areas: _, listClaims: __, ...plain } = teamProfile;
    const grant = applyProfile({ profileName: 'p', profile: plain, principal: member('alice', ['ops']) });
    expect('areas' in grant).toBe(false);
  });

  it('too many groups refuse the whole request (before any file rule)', () => {
    const many = member('alice', ['a', 'b', 'c', 'd', 'e', 'f']);
    expect(codeOf(() => applyProfile({ profileName: 'team', profile: teamProfile, principal: many, files: [{ name: 'x' }] }))).toBe(
      'too_many_claim_values',
    );
  });
});
