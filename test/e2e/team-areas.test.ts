/**
 * End to end: a profile with areas, tokens vended for users whose JWT lists their groups, used with the real ali-oss
 * client against the OSS emulator (which checks the signature and the sealed STS token and evaluates the session
 * policy). A member of `design` writes in teams/acme/design/, is refused in teams/acme/ops/, reads the shared
 * folder and cannot write or delete there; tokens are never shared between callers with different groups.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamRules } from '../../dev/testing/team-profile.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { BUCKET, expectAccessDenied, ossClient, randomBuffer, startStack, storedObject, type Stack, type Vended } from './stack.js';

const TEAM = { bucket: BUCKET, region: 'cn-hangzhou', ...teamRules() };

let stack: Stack;
let alice: Vended;
const notice = randomBuffer(2048);

async function bearer(sub: string, groups?: string[], tenant = 'acme') {
  return { authorization: `Bearer ${await stack.broker.token(sub, tenant, groups === undefined ? {} : { groups })}` };
}

beforeAll(async () => {
  stack = await startStack({
    configPatch: (config) => {
      const roleArn = config.profiles.uploads.roleArn;
      config.profiles.team = { ...TEAM, roleArn };
      // Someone has to put things in the shared folder: a publishing profile, writing there and nowhere else.
      config.profiles.publish = {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn,
        prefix: 'shared/${tenant}/',
        operations: ['put'],
        clients: ['web'],
      };
    },
  });
  const editor = await stack.vend(await bearer('editor'), { profile: 'publish' });
  await ossClient(editor).put('shared/acme/notice.txt', notice);
  alice = await stack.vend(await bearer('alice', ['design']), { profile: 'team' });
});
afterAll(async () => stack?.close());

describe('a member of group design', () => {
  it('is told the areas the token reaches', () => {
    expect(alice.upload.prefix).toBe('home/acme/alice/');
    expect(alice.upload.areas).toEqual([
      { prefix: 'teams/acme/design/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'shared/acme/', operations: ['get', 'list'] },
    ]);
  });

  it('writes to teams/acme/design/ (put and multipart) and reads it back', async () => {
    const small = randomBuffer(1024);
    await ossClient(alice).put('teams/acme/design/logo.png', small);
    expect(storedObject(stack.oss, BUCKET, 'teams/acme/design/logo.png')).toEqual(small);
    const big = randomBuffer(250 * 1024);
    await ossClient(alice, { v4: true }).multipartUpload('teams/acme/design/deck.pdf', big, { partSize: 100 * 1024 });
    expect(storedObject(stack.oss, BUCKET, 'teams/acme/design/deck.pdf')).toEqual(big);
    expect((await ossClient(alice).get('teams/acme/design/logo.png')).content).toEqual(small);
  });

  it('is refused on teams/acme/ops/ and on the teams folder itself, by the storage', async () => {
    for (const key of ['teams/acme/ops/x.png', 'teams/acme/x.png', 'teams/acme/designx/x.png', 'teams/globex/design/x.png']) {
      await expectAccessDenied(ossClient(alice).put(key, randomBuffer(64)));
      expect(storedObject(stack.oss, BUCKET, key)).toBeUndefined();
    }
    await expectAccessDenied(
      ossClient(alice).multipartUpload('teams/acme/ops/big.bin', randomBuffer(150 * 1024), { partSize: 100 * 1024 }),
    );
    await expectAccessDenied(ossClient(alice).list({ prefix: 'teams/acme/ops/', 'max-keys': 10 }, {}));
    await expectAccessDenied(ossClient(alice).list({ prefix: 'teams/acme/', 'max-keys': 10 }, {}));
  });

  it('reads and lists shared/acme/, and cannot write, overwrite or delete there', async () => {
    expect((await ossClient(alice).get('shared/acme/notice.txt')).content).toEqual(notice);
    const listed = await ossClient(alice).list({ prefix: 'shared/acme/', 'max-keys': 10 }, {});
    expect(listed.objects?.map((o) => o.name)).toEqual(['shared/acme/notice.txt']);
    await expectAccessDenied(ossClient(alice).put('shared/acme/new.txt', randomBuffer(64)));
    await expectAccessDenied(ossClient(alice).put('shared/acme/notice.txt', randomBuffer(64)));
    await expectAccessDenied(ossClient(alice).delete('shared/acme/notice.txt'));
    expect(storedObject(stack.oss, BUCKET, 'shared/acme/notice.txt')).toEqual(notice);
    expect(storedObject(stack.oss, BUCKET, 'shared/acme/new.txt')).toBeUndefined();
  });

  it('keeps its own folder read-write-delete, and another user folder out of reach', async () => {
    await ossClient(alice).put('home/acme/alice/mine.txt', randomBuffer(32));
    await ossClient(alice).delete('home/acme/alice/mine.txt');
    expect(storedObject(stack.oss, BUCKET, 'home/acme/alice/mine.txt')).toBeUndefined();
    await expectAccessDenied(ossClient(alice).put('home/acme/bob/x.txt', randomBuffer(32)));
  });
});

describe('tokens per principal, profile and claim values', () => {
  it('a member of ops reaches ops, not design: another token', async () => {
    const bob = await stack.vend(await bearer('bob', ['ops']), { profile: 'team' });
    expect(bob.credentials.accessKeyId).not.toBe(alice.credentials.accessKeyId);
    await ossClient(bob).put('teams/acme/ops/runbook.txt', randomBuffer(64));
    await expectAccessDenied(ossClient(bob).get('teams/acme/design/logo.png'));
  });

  it('the same user and groups get the cached token; new groups get a new one, never the old', async () => {
    const again = await stack.vend(await bearer('alice', ['design', 'design']), { profile: 'team' });
    expect(again.cached).toBe(true);
    expect(again.credentials.accessKeyId).toBe(alice.credentials.accessKeyId);
    const moved = await stack.vend(await bearer('alice', ['ops']), { profile: 'team' });
    expect(moved.cached).toBe(false);
    expect(moved.credentials.accessKeyId).not.toBe(alice.credentials.accessKeyId);
    await ossClient(moved).put('teams/acme/ops/alice.txt', randomBuffer(16));
    await expectAccessDenied(ossClient(moved).put('teams/acme/design/after-move.png', randomBuffer(16)));
  });

  it('the response and the dry run with areas match openapi.yaml', async () => {
    const auth = await bearer('hana', ['design']);
    const vended = await request(stack.broker.app).post('/v1/credentials').set(auth).send({ profile: 'team' });
    expectMatchesSpec('post', '/v1/credentials', vended);
    const dry = await request(stack.broker.app).post('/v1/credentials').set(auth).send({ profile: 'team', dryRun: true });
    expectMatchesSpec('post', '/v1/credentials', dry);
    expect(dry.body.grant.areas).toEqual(vended.body.upload.areas);
    const refused = await request(stack.broker.app)
      .post('/v1/credentials')
      .set(await bearer('hana', ['a', 'b', 'c', 'd', 'e', 'f']))
      .send({ profile: 'team' });
    expectMatchesSpec('post', '/v1/credentials', refused);
  });

  it('a user in no group gets the own and shared areas only', async () => {
    const carol = await stack.vend(await bearer('carol'), { profile: 'team' });
    expect(carol.upload.areas).toEqual([{ prefix: 'shared/acme/', operations: ['get', 'list'] }]);
    await expectAccessDenied(ossClient(carol).put('teams/acme/design/c.png', randomBuffer(16)));
  });
});

describe('claim values the profile refuses', () => {
  it('more groups than maxValues: 403 too_many_claim_values, problem+json, nothing issued', async () => {
    const issued = stack.broker.emulator.stats.assumeRoleCalls;
    const res = await request(stack.broker.app)
      .post('/v1/credentials')
      .set(await bearer('dave', ['a', 'b', 'c', 'd', 'e', 'f']))
      .send({ profile: 'team' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'too_many_claim_values', claim: 'groups', maxValues: 5 });
    expect(stack.broker.emulator.stats.assumeRoleCalls).toBe(issued);
  });

  it('an unsafe group name: 400 invalid_name naming the claim and position, not the value', async () => {
    const res = await request(stack.broker.app)
      .post('/v1/credentials')
      .set(await bearer('erin', ['design', '../ops']))
      .send({ profile: 'team' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_name');
    expect(res.body.detail).toMatch(/^claim "groups" value #2 /);
    expect(res.body.detail).not.toContain('../ops');
  });

  it('a groups claim that is not a list of strings: 401', async () => {
    const res = await request(stack.broker.app)
      .post('/v1/credentials')
      .set({ authorization: `Bearer ${await stack.broker.token('frank', 'acme', { groups: [{ name: 'design' }] })}` })
      .send({ profile: 'team' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'unauthenticated' });
  });

  it('the other profiles ignore the groups claim entirely', async () => {
    const res = await request(stack.broker.app)
      .post('/v1/credentials')
      .set(await bearer('gina', ['a', 'b', 'c', 'd', 'e', 'f', '../x']))
      .send({ profile: 'uploads', files: [{ name: 'a.png', size: 1, contentType: 'image/png' }] });
    expect(res.status).toBe(200);
    expect(res.body.upload.areas).toBeUndefined();
  });
});
