/**
 * End to end: a profile whose forms pin no-overwrite and KMS encryption (`postPolicy.forbidOverwrite`,
 * `postPolicy.serverSideEncryption`). The broker signs the form, the test posts it as a browser does (fetch and
 * FormData) to the OSS emulator, and the *storage* holds it: the object is stored once, encrypted with the pinned
 * key; the same form again is 409 FileAlreadyExists; a form with a pinned field removed or changed is refused.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, randomBuffer, startStack, storedObject, type Stack } from './stack.js';
import type { PostPolicyResponse } from '../../src/uploads/index.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const KMS_KEY = 'key-hzz62aa0test';
const SSE = 'x-oss-server-side-encryption';
const SSE_KEY = 'x-oss-server-side-encryption-key-id';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    configPatch: (c) => {
      c.profiles.vault = {
        ...c.profiles.uploads,
        prefix: 'vault/${tenant}/${sub}/',
        paths: ['form'],
        postPolicy: { forbidOverwrite: true, serverSideEncryption: { algorithm: 'KMS', kmsKeyId: KMS_KEY } },
      };
    },
  });
});
afterAll(async () => stack?.close());

type Upload = PostPolicyResponse['uploads'][number];

async function formFor(sub: string, name: string): Promise<Upload> {
  const res = await request(stack.broker.app)
    .post('/v1/post-policy')
    .set(await stack.user(sub, 'acme'))
    .send({ profile: 'vault', files: [{ name, size: 4096, contentType: 'image/png' }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expectMatchesSpec('POST', '/v1/post-policy', res);
  return (res.body as PostPolicyResponse).uploads[0]!;
}

async function post(upload: Upload, file: Buffer, edit: (fields: Record<string, string>) => void = () => {}) {
  const fields = { ...upload.fields };
  edit(fields);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'upload.png');
  const res = await fetch(upload.url, { method: 'POST', body: form });
  return { status: res.status, body: await res.text(), sse: res.headers.get(SSE) };
}

const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

describe('a form that cannot overwrite and is always encrypted', () => {
  it('carries the pinned fields, and the storage stores the object once, KMS-encrypted with the pinned key', async () => {
    const upload = await formFor('alice', 'scan.png');
    expect(upload.fields).toMatchObject({ 'x-oss-forbid-overwrite': 'true', [SSE]: 'KMS', [SSE_KEY]: KMS_KEY });
    const first = randomBuffer(4096);
    const stored = await post(upload, first);
    expect([stored.status, stored.sse]).toEqual([200, 'KMS']);
    expect(stack.oss.objects.get(BUCKET, upload.key)?.encryption).toEqual({ algorithm: 'KMS', keyId: KMS_KEY });

    const again = await post(upload, randomBuffer(100));
    expect([again.status, code(again.body)]).toEqual([409, 'FileAlreadyExists']);
    // A second form for the same name, as the broker would sign it for the same user, is no way around it.
    const second = await post(await formFor('alice', 'scan.png'), randomBuffer(100));
    expect([second.status, code(second.body)]).toEqual([409, 'FileAlreadyExists']);
    expect(storedObject(stack.oss, BUCKET, upload.key)).toEqual(first);
  });

  it.each([
    ['without x-oss-forbid-overwrite', (f: Record<string, string>) => delete f['x-oss-forbid-overwrite']],
    ['with x-oss-forbid-overwrite: false', (f: Record<string, string>) => (f['x-oss-forbid-overwrite'] = 'false')],
    ['without encryption', (f: Record<string, string>) => delete f[SSE]],
    ['with AES256 instead of KMS', (f: Record<string, string>) => (f[SSE] = 'AES256')],
    ['without the key id (the default key)', (f: Record<string, string>) => delete f[SSE_KEY]],
    ['with another key id', (f: Record<string, string>) => (f[SSE_KEY] = 'key-of-the-attacker')],
  ])('a client posting it %s is refused by the policy, and nothing is stored', async (_what, edit) => {
    const upload = await formFor('bob', `edit-${Math.random().toString(36).slice(2)}.png`);
    const res = await post(upload, randomBuffer(100), edit);
    expect([res.status, code(res.body)]).toEqual([403, 'AccessDenied']);
    expect(storedObject(stack.oss, BUCKET, upload.key)).toBeUndefined();
  });

  it('no token is handed out for the profile: a token holder would not be held to the pins', async () => {
    const res = await request(stack.broker.app)
      .post('/v1/credentials')
      .set(await stack.user('carol', 'acme'))
      .send({ profile: 'vault', files: [{ name: 'x.png', size: 10, contentType: 'image/png' }] });
    expect([res.status, res.body.code]).toEqual([403, 'forms_only']);
  });
});
