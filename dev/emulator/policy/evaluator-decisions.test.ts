/**
 * Decisions of whole policies: Alibaba's documented example policies, wildcards, explicit deny, NotAction /
 * NotResource, and a role session's session-policy ∩ role-policy (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation").
 *
 * Documented examples (policy text as published; the requests are ours):
 * - [UPLOAD]  https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements, ossdocs "Use a temporary credential provided by STS to access OSS": Allow oss:PutObject on
 *             acs:oss:*:*:examplebucket/exampledir/*.
 * - [LIST]    https://www.alibabacloud.com/help/en/ram/list-and-read-resources-in-a-bucket (myphotos, SDK variant).
 * - [DIR]     https://www.alibabacloud.com/help/ja/doc-detail/142249.htm (console access to myphotos/hangzhou/2015/:
 *             ListObjects with StringLike oss:Delimiter "/" and oss:Prefix ["", "hangzhou/", "hangzhou/2015/*"]).
 * - [OSS-IP]  https://www.alibabacloud.com/help/en/ram/user-guide/access-oss-through-an-ip-address (IpAddress
 *             192.168.0.0/16, 172.16.0.0/12 on myphotos).
 * - [ECS-IP]  https://www.alibabacloud.com/help/doc-detail/141577.htm (Allow with IpAddress, and Allow + Deny with
 *             NotIpAddress, 192.0.2.0/24 and 203.0.113.2).
 * - [TIME]    https://www.alibabacloud.com/help/doc-detail/141578.htm (DateLessThan acs:CurrentTime
 *             2019-08-12T17:00:00+08:00).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, evaluateSession, parsePolicy, type ContextValue, type Decision, type ParsedPolicy } from './index.js';

type Req = [action: string, resource: string, context: Record<string, ContextValue>, expected: Decision];

function check(policy: ParsedPolicy, rows: Req[]): void {
  for (const [action, resource, context, expected] of rows) {
    expect(evaluatePolicy(policy, { action, resource, context }), `${action} ${resource} ${JSON.stringify(context)}`).toBe(expected);
  }
}

const documented: [string, unknown, Req[]][] = [
  [
    '[UPLOAD] put under examplebucket/exampledir/',
    { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:examplebucket/exampledir/*' }] },
    [
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket/exampledir/a.png', {}, 'allow'],
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket/exampledir/deep/er/a.png', {}, 'allow'],
      ['oss:putobject', 'acs:oss:*:1234:examplebucket/exampledir/a.png', {}, 'allow'],
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket/exampledir', {}, 'implicit_deny'],
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket/Exampledir/a.png', {}, 'implicit_deny'],
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket/other/a.png', {}, 'implicit_deny'],
      ['oss:PutObject', 'acs:oss:*:1234:examplebucket2/exampledir/a.png', {}, 'implicit_deny'],
      ['oss:GetObject', 'acs:oss:*:1234:examplebucket/exampledir/a.png', {}, 'implicit_deny'],
    ],
  ],
  [
    '[LIST] list and read myphotos',
    {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:myphotos' },
        { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:myphotos/*' },
      ],
    },
    [
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': 'any/' }, 'allow'],
      ['oss:GetObject', 'acs:oss:*:1234:myphotos/2015/cat.jpg', {}, 'allow'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos/', {}, 'implicit_deny'],
      ['oss:GetObject', 'acs:oss:*:1234:myphotos', {}, 'implicit_deny'],
      ['oss:PutObject', 'acs:oss:*:1234:myphotos/cat.jpg', {}, 'implicit_deny'],
    ],
  ],
  [
    '[DIR] console access to one directory level by level',
    {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:ListBuckets', 'oss:GetBucketStat', 'oss:GetBucketInfo', 'oss:GetBucketTagging', 'oss:GetBucketAcl'],
          Resource: ['acs:oss:*:*:*'],
        },
        { Effect: 'Allow', Action: ['oss:GetObject', 'oss:GetObjectAcl'], Resource: ['acs:oss:*:*:myphotos/hangzhou/2015/*'] },
        {
          Effect: 'Allow',
          Action: ['oss:ListObjects'],
          Resource: ['acs:oss:*:*:myphotos'],
          Condition: { StringLike: { 'oss:Delimiter': '/', 'oss:Prefix': ['', 'hangzhou/', 'hangzhou/2015/*'] } },
        },
      ],
    },
    [
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': '', 'oss:Delimiter': '/' }, 'allow'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': 'hangzhou/', 'oss:Delimiter': '/' }, 'allow'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': 'hangzhou/2015/x/', 'oss:Delimiter': '/' }, 'allow'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': 'hangzhou/2016/', 'oss:Delimiter': '/' }, 'implicit_deny'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Prefix': 'hangzhou/' }, 'implicit_deny'],
      ['oss:ListObjects', 'acs:oss:*:1234:myphotos', { 'oss:Delimiter': '/' }, 'implicit_deny'],
      ['oss:GetObject', 'acs:oss:*:1234:myphotos/hangzhou/2015/a.jpg', {}, 'allow'],
      ['oss:GetObject', 'acs:oss:*:1234:myphotos/hangzhou/2016/a.jpg', {}, 'implicit_deny'],
      ['oss:GetBucketInfo', 'acs:oss:*:1234:anybucket', {}, 'allow'],
    ],
  ],
  [
    '[OSS-IP] read myphotos from two private ranges',
    {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:ListObjects', 'oss:GetObject'],
          Resource: ['acs:oss:*:*:myphotos', 'acs:oss:*:*:myphotos/*'],
          Condition: { IpAddress: { 'acs:SourceIp': ['192.168.0.0/16', '172.16.0.0/12'] } },
        },
      ],
    },
    [
      ['oss:GetObject', 'acs:oss:*:1:myphotos/a', { 'acs:SourceIp': '192.168.3.4' }, 'allow'],
      ['oss:GetObject', 'acs:oss:*:1:myphotos/a', { 'acs:SourceIp': '172.31.255.255' }, 'allow'],
      ['oss:GetObject', 'acs:oss:*:1:myphotos/a', { 'acs:SourceIp': '172.32.0.0' }, 'implicit_deny'],
      ['oss:GetObject', 'acs:oss:*:1:myphotos/a', {}, 'implicit_deny'],
    ],
  ],
  [
    '[ECS-IP] allow all, deny outside 192.0.2.0/24 and 203.0.113.2',
    {
      Statement: [
        { Action: 'ecs:*', Resource: '*', Effect: 'Allow' },
        {
          Action: 'ecs:*',
          Effect: 'Deny',
          Resource: '*',
          Condition: { NotIpAddress: { 'acs:SourceIp': ['192.0.2.0/24', '203.0.113.2'] } },
        },
      ],
      Version: '1',
    },
    [
      ['ecs:StartInstance', 'acs:ecs:cn-hangzhou:1:instance/i-1', { 'acs:SourceIp': '192.0.2.77' }, 'allow'],
      ['ecs:StartInstance', 'acs:ecs:cn-hangzhou:1:instance/i-1', { 'acs:SourceIp': '203.0.113.2' }, 'allow'],
      ['ecs:StartInstance', 'acs:ecs:cn-hangzhou:1:instance/i-1', { 'acs:SourceIp': '203.0.113.3' }, 'explicit_deny'],
      ['oss:GetObject', 'acs:oss:*:1:b/k', { 'acs:SourceIp': '203.0.113.3' }, 'implicit_deny'],
    ],
  ],
  [
    '[TIME] ECS until 2019-08-12 17:00 UTC+8',
    {
      Statement: [
        {
          Action: 'ecs:*',
          Effect: 'Allow',
          Resource: '*',
          Condition: { DateLessThan: { 'acs:CurrentTime': '2019-08-12T17:00:00+08:00' } },
        },
      ],
      Version: '1',
    },
    [
      ['ecs:DescribeInstances', '*', { 'acs:CurrentTime': '2019-08-12T08:59:59Z' }, 'allow'],
      ['ecs:DescribeInstances', '*', { 'acs:CurrentTime': '2019-08-12T16:59:59+08:00' }, 'allow'],
      ['ecs:DescribeInstances', '*', { 'acs:CurrentTime': '2019-08-12T09:00:00Z' }, 'implicit_deny'],
      ['ecs:DescribeInstances', '*', { 'acs:CurrentTime': '2026-01-01T00:00:00Z' }, 'implicit_deny'],
    ],
  ],
];

describe("Alibaba's documented example policies", () => {
  it.each(documented)('%s', (_name, document, rows) => check(parsePolicy(document), rows));
});

describe('wildcards', () => {
  const policy = (Action: unknown, Resource: unknown) => parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action, Resource }] });

  it.each<[unknown, unknown, string, string, Decision]>([
    ['oss:*', '*', 'oss:AnythingAtAll', 'whatever', 'allow'],
    ['*', '*', 'ecs:Run', 'x', 'allow'],
    ['oss:Get*', '*', 'oss:GetObjectAcl', 'x', 'allow'],
    ['oss:Get*', '*', 'oss:PutObject', 'x', 'implicit_deny'],
    ['OSS:GETOBJECT', '*', 'oss:GetObject', 'x', 'allow'],
    ['oss:Get?bject', '*', 'oss:GetObject', 'x', 'allow'],
    ['oss:Get?bject', '*', 'oss:GetObjject', 'x', 'implicit_deny'],
    ['oss:*Object', '*', 'ram:GetObject', 'x', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b/*', 'oss:GetObject', 'acs:oss:*:*:b/a/b/c', 'allow'],
    ['oss:*', 'acs:oss:*:*:b/*', 'oss:GetObject', 'acs:oss:*:*:c/b/x', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b/*.png', 'oss:GetObject', 'acs:oss:*:*:b/dir/x.png', 'allow'],
    ['oss:*', 'acs:oss:*:*:b/*.png', 'oss:GetObject', 'acs:oss:*:*:b/dir/x.PNG', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b/*.png', 'oss:GetObject', 'acs:oss:*:*:b/x.png.exe', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b/??.txt', 'oss:GetObject', 'acs:oss:*:*:b/ab.txt', 'allow'],
    ['oss:*', 'acs:oss:*:*:b/??.txt', 'oss:GetObject', 'acs:oss:*:*:b/abc.txt', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b/?.txt', 'oss:GetObject', 'acs:oss:*:*:b/😀.txt', 'allow'],
    ['oss:*', 'acs:oss:*:*:b/a*b*c', 'oss:GetObject', 'acs:oss:*:*:b/aXbYbZc', 'allow'],
    ['oss:*', 'acs:oss:*:*:b/a*b*c', 'oss:GetObject', 'acs:oss:*:*:b/aXbYcZ', 'implicit_deny'],
    ['oss:*', 'acs:oss:*:*:b', 'oss:ListObjects', 'acs:oss:*:*:b/', 'implicit_deny'],
  ])('Action %j Resource %j: %s on %s → %s', (action, resource, reqAction, reqResource, expected) => {
    expect(evaluatePolicy(policy(action, resource), { action: reqAction, resource: reqResource, context: {} })).toBe(expected);
  });

  it('a pathological pattern does not blow up (no regex backtracking)', () => {
    const p = policy('oss:*', `acs:oss:*:*:b/${'*a'.repeat(30)}b`);
    const started = Date.now();
    expect(evaluatePolicy(p, { action: 'oss:GetObject', resource: `acs:oss:*:*:b/${'a'.repeat(5000)}`, context: {} })).toBe(
      'implicit_deny',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('explicit deny, NotAction, NotResource', () => {
  const p = parsePolicy({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:b/*' },
      { Effect: 'Deny', Action: 'oss:DeleteObject', Resource: 'acs:oss:*:*:b/keep/*' },
      { Effect: 'Deny', NotAction: ['oss:Get*', 'oss:List*'], Resource: 'acs:oss:*:*:b/readonly/*' },
      { Effect: 'Allow', Action: 'oss:GetObject', NotResource: ['acs:oss:*:*:b/*', 'acs:oss:*:*:secret/*'] },
    ],
  });
  it.each<Req>([
    ['oss:PutObject', 'acs:oss:*:*:b/x', {}, 'allow'],
    ['oss:DeleteObject', 'acs:oss:*:*:b/keep/x', {}, 'explicit_deny'],
    ['oss:DeleteObject', 'acs:oss:*:*:b/other/x', {}, 'allow'],
    ['oss:GetObject', 'acs:oss:*:*:b/readonly/x', {}, 'allow'],
    ['oss:PutObject', 'acs:oss:*:*:b/readonly/x', {}, 'explicit_deny'],
    ['oss:GetObject', 'acs:oss:*:*:c/x', {}, 'allow'],
    ['oss:GetObject', 'acs:oss:*:*:secret/x', {}, 'implicit_deny'],
    ['oss:PutObject', 'acs:oss:*:*:c/x', {}, 'implicit_deny'],
  ])('%s %s → %s', (action, resource, context, expected) => check(p, [[action, resource, context, expected]]));

  it('Deny wins whatever the statement order', () => {
    const deny = { Effect: 'Deny', Action: 'oss:*', Resource: '*' };
    const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };
    for (const Statement of [
      [deny, allowAll],
      [allowAll, deny],
    ]) {
      expect(evaluatePolicy(parsePolicy({ Version: '1', Statement }), { action: 'oss:GetObject', resource: 'x', context: {} })).toBe(
        'explicit_deny',
      );
    }
  });
});

describe('evaluateSession: session policy ∩ role policy', () => {
  const role = parsePolicy({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: 'acs:oss:*:*:bucket/*' },
      { Effect: 'Deny', Action: 'oss:*', Resource: 'acs:oss:*:*:bucket/frozen/*' },
    ],
  });
  const session = parsePolicy({
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:DeleteObject'],
        Resource: ['acs:oss:*:*:bucket/uploads/alice/*', 'acs:oss:*:*:other/*', 'acs:oss:*:*:bucket/frozen/*'],
      },
      { Effect: 'Deny', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/uploads/alice/locked/*' },
    ],
  });
  const ask = (sessionPolicy: ParsedPolicy | null, rolePolicy: ParsedPolicy | null, action: string, key: string) =>
    evaluateSession({ sessionPolicy, rolePolicy }, { action, resource: `acs:oss:*:*:${key}`, context: {} });

  it.each<[string, ParsedPolicy | null, ParsedPolicy | null, string, string, Decision]>([
    ['both allow', session, role, 'oss:PutObject', 'bucket/uploads/alice/a.png', 'allow'],
    ['session asks for an action the role lacks', session, role, 'oss:DeleteObject', 'bucket/uploads/alice/a.png', 'implicit_deny'],
    ['session asks for a bucket the role lacks', session, role, 'oss:PutObject', 'other/a.png', 'implicit_deny'],
    ['role allows what the session does not ask for', session, role, 'oss:GetObject', 'bucket/uploads/alice/a.png', 'implicit_deny'],
    ['role allows outside the session prefix', session, role, 'oss:PutObject', 'bucket/uploads/bob/a.png', 'implicit_deny'],
    ['session denies what the role allows', session, role, 'oss:PutObject', 'bucket/uploads/alice/locked/a', 'explicit_deny'],
    ['role denies what the session allows', session, role, 'oss:PutObject', 'bucket/frozen/a', 'explicit_deny'],
    ['no session policy: the role alone decides', null, role, 'oss:GetObject', 'bucket/anything', 'allow'],
    ['no session policy, role denies', null, role, 'oss:GetObject', 'bucket/frozen/a', 'explicit_deny'],
    ['no session policy, role is silent', null, role, 'oss:DeleteObject', 'bucket/a', 'implicit_deny'],
    ['no role policy grants nothing', session, null, 'oss:PutObject', 'bucket/uploads/alice/a.png', 'implicit_deny'],
    ['no role policy, session deny still explicit', session, null, 'oss:PutObject', 'bucket/uploads/alice/locked/a', 'explicit_deny'],
    ['neither policy', null, null, 'oss:GetObject', 'bucket/a', 'implicit_deny'],
  ])('%s → %s', (_name, s, r, action, key, expected) => {
    expect(ask(s, r, action, key)).toBe(expected);
  });

  it('never allows more than either policy alone (property)', () => {
    const actions = fc.constantFrom('oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:ListObjects');
    const keys = fc.constantFrom('bucket/uploads/alice/a', 'bucket/uploads/alice/locked/b', 'bucket/frozen/c', 'bucket/d', 'other/e');
    fc.assert(
      fc.property(actions, keys, (action, key) => {
        const both = ask(session, role, action, key);
        if (both !== 'allow') return true;
        return ask(null, session, action, key) === 'allow' && ask(null, role, action, key) === 'allow';
      }),
    );
  });
});

describe('confinement property', () => {
  const policy = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:b/p/*' }] });
  /** An independent oracle: RegExp over the whole string, where the evaluator uses its own glob matcher. */
  const confined = /^acs:oss:[^]*:[^]*:b\/p\/[^]*$/u;
  const pieces = fc.constantFrom('acs:oss:', '*', ':', 'b/', 'p/', 'b', 'p', '/', 'B/P/', '?', '..', 'x', '', '😀', '%2F');
  const resource = fc.oneof(
    fc.string(),
    fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join('')),
    fc.tuple(fc.string(), fc.string(), fc.string()).map(([region, account, rest]) => `acs:oss:${region}:${account}:${rest}`),
    fc.tuple(fc.string(), fc.string(), fc.string()).map(([region, account, rest]) => `acs:oss:${region}:${account}:b/p/${rest}`),
  );

  it('a policy allowing acs:oss:*:*:b/p/* allows only resources acs:oss:<region>:<account>:b/p/…', () => {
    fc.assert(
      fc.property(resource, (r) => {
        const decision = evaluatePolicy(policy, { action: 'oss:GetObject', resource: r, context: {} });
        if (decision === 'allow') expect(r.startsWith('acs:oss:') && r.includes(':b/p/')).toBe(true);
        expect(decision === 'allow').toBe(confined.test(r));
      }),
      { numRuns: 2000 },
    );
  });

  it('the same holds when the resource is one character off a match', () => {
    const near = fc.tuple(fc.string({ maxLength: 5 }), fc.nat(20), fc.string({ maxLength: 1 })).map(([rest, at, ch]) => {
      const base = `acs:oss:*:1234:b/p/${rest}`;
      const i = Math.min(at, base.length);
      return base.slice(0, i) + ch + base.slice(i + 1);
    });
    fc.assert(
      fc.property(near, (r) => {
        const decision = evaluatePolicy(policy, { action: 'oss:GetObject', resource: r, context: {} });
        expect(decision === 'allow').toBe(confined.test(r));
      }),
      { numRuns: 2000 },
    );
  });
});
