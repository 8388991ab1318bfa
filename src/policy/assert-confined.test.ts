import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import type { Grant } from '../rules/grant.js';
import { assertPolicyConfined } from './assert-confined.js';
import { buildSessionPolicy } from './build-session-policy.js';
import type { PolicyDocument, Statement } from './types.js';

const grant: Grant = {
  profile: 'p',
  roleArn: 'acs:ram::1:role/r',
  bucket: 'bkt',
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  prefix: 'u/acme/alice/',
  operations: ['put', 'list'],
  durationSeconds: 900,
  roleSessionName: 'alice@acme',
  sourceIdentity: 'alice@acme@web',
  allowedExtensions: ['png'],
};

const good = buildSessionPolicy(grant).document;

function tampered(change: (statements: Statement[]) => void): PolicyDocument {
  const copy = structuredClone(good);
  change(copy.Statement);
  return copy;
}

const put = (s: Statement[]) => s.find((x) => x.Action.includes('oss:PutObject'))!;
const list = (s: Statement[]) => s.find((x) => x.Action.includes('oss:ListObjects'))!;

describe('assertPolicyConfined', () => {
  it('accepts what the builder makes', () => {
    expect(() => assertPolicyConfined(good, grant)).not.toThrow();
  });

  it.each<[string, (s: Statement[]) => void]>([
    ['the whole bucket', (s) => put(s).Resource.push('acs:oss:*:*:bkt/*')],
    ['a sibling prefix', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/alice2/*')],
    ['another user', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/bob/*')],
    ['another bucket', (s) => put(s).Resource.push('acs:oss:*:*:other/u/acme/alice/*')],
    ['a wildcard inside the name', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/alice/*/x')],
    ['a ? wildcard', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/alice/?')],
    ['an extension not allowed', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/alice/*.exe')],
    ['a key that was not granted', (s) => put(s).Resource.push('acs:oss:*:*:bkt/u/acme/alice/a.png')],
    ['an unconfined list', (s) => delete list(s).Condition],
    ['a wider list prefix', (s) => (list(s).Condition = { StringLike: { 'oss:Prefix': 'u/*' } })],
    ['PutObject on the bucket', (s) => put(s).Resource.push('acs:oss:*:*:bkt')],
    ['a Deny statement', (s) => (put(s).Effect = 'Deny')],
    ['an empty resource list', (s) => (put(s).Resource = [])],
    ['no statements', (s) => s.splice(0, s.length)],
  ])('refuses %s', (_label, change) => {
    const run = () => assertPolicyConfined(tampered(change), grant);
    expect(run).toThrow(BrokerError);
    try {
      run();
    } catch (error) {
      expect((error as BrokerError).code).toBe('internal');
      expect((error as BrokerError).expose).toBe(false);
    }
  });
});

describe('assertPolicyConfined with areas', () => {
  const withAreas: Grant = {
    ...grant,
    operations: ['put', 'get', 'list'],
    areas: [
      { prefix: 'teams/acme/ops/', operations: ['put', 'get', 'list'] },
      { prefix: 'shared/acme/', operations: ['get'] },
    ],
  };
  const built = buildSessionPolicy(withAreas).document;
  const changed = (change: (s: Statement[]) => void) => {
    const copy = structuredClone(built);
    change(copy.Statement);
    return copy;
  };
  const withResource = (resource: string) => (s: Statement[]) => s.find((x) => x.Resource.includes(resource))!;

  it('accepts what the builder makes', () => {
    expect(() => assertPolicyConfined(built, withAreas)).not.toThrow();
  });

  it.each<[string, (s: Statement[]) => void]>([
    ['a write on the read-only area', (s) => withResource('acs:oss:*:*:bkt/shared/acme/*')(s).Action.push('oss:PutObject')],
    ['listing the area without list', (s) => (list(s).Condition!.StringLike!['oss:Prefix'] = ['u/acme/alice/*', 'shared/acme/*'])],
    ['another team', (s) => withResource('acs:oss:*:*:bkt/shared/acme/*')(s).Resource.push('acs:oss:*:*:bkt/teams/acme/dev/*')],
    ['a write without the type restriction', (s) => put(s).Resource.push('acs:oss:*:*:bkt/teams/acme/ops/*')],
    ['the tenant above the areas', (s) => withResource('acs:oss:*:*:bkt/shared/acme/*')(s).Resource.push('acs:oss:*:*:bkt/teams/acme/*')],
  ])('refuses %s', (_label, change) => {
    expect(() => assertPolicyConfined(changed(change), withAreas)).toThrow(BrokerError);
  });

  it.each(['teams/*/', 'teams/../', 'teams//', '/teams/', 'teams/a'])('refuses an area prefix of the wrong shape: %s', (prefix) => {
    const bad: Grant = { ...withAreas, areas: [{ prefix, operations: ['get'] }] };
    expect(() => assertPolicyConfined(built, bad)).toThrow(BrokerError);
  });
});
