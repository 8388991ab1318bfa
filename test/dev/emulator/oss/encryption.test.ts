/**
 * Server-side encryption and no-overwrite as OSS applies them, through ali-oss with an STS token
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/putobject): a request that asks for encryption gets
 * an object that records it and says so on HEAD and GET; `x-oss-forbid-overwrite: true` refuses an existing key with
 * 409 FileAlreadyExists on PutObject, multipart and PostObject alike.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inAnHour, multipart, pinned, png, post, v4Fields } from './forms.js';
import { BUCKET, emulatorForFile, ossClient, thrown, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();
const SSE = 'x-oss-server-side-encryption';
const SSE_KEY = 'x-oss-server-side-encryption-key-id';

async function headHeaders(key: string): Promise<Record<string, string>> {
  const head = await ossClient(env.oss, creds).head(key);
  return head.res.headers as Record<string, string>;
}

describe('PutObject with encryption headers', () => {
  it.each([
    ['AES256', { [SSE]: 'AES256' }],
    ['KMS with a key id', { [SSE]: 'KMS', [SSE_KEY]: 'key-hzz0123' }],
  ])('records %s and answers it on PUT, HEAD and GET', async (_, headers) => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    const key = `users/alice/sse-${headers[SSE]}.txt`;
    const put = await client.put(key, Buffer.from('secret'), { headers });
    expect(put.res.headers).toMatchObject(headers);
    expect(await headHeaders(key)).toMatchObject(headers);
    const got = await client.get(key);
    expect(got.res.headers).toMatchObject(headers);
    expect(Buffer.from(got.content as Buffer).toString()).toBe('secret');
  });

  it('says nothing of encryption for an object uploaded without it', async () => {
    await ossClient(env.oss, creds).put('users/alice/plain.txt', Buffer.from('x'));
    expect(Object.keys(await headHeaders('users/alice/plain.txt'))).not.toContain(SSE);
  });

  it.each([
    ['an unknown algorithm', { [SSE]: 'DES' }, 'InvalidEncryptionAlgorithmError'],
    ['a key id without KMS', { [SSE]: 'AES256', [SSE_KEY]: 'key-1' }, 'InvalidArgument'],
    ['a key id alone', { [SSE_KEY]: 'key-1' }, 'InvalidArgument'],
  ])('refuses %s with 400, storing nothing', async (name, headers, code) => {
    const key = `users/alice/bad-sse-${name.length}.txt`;
    const err = await thrown(() => ossClient(env.oss, creds).put(key, Buffer.from('x'), { headers }));
    expect([err.status, err.code]).toEqual([400, code]);
    expect(env.oss.objects.get(BUCKET, key)).toBeUndefined();
  });
});

describe('multipart upload', () => {
  it('carries the encryption asked for on Initiate to the completed object', async () => {
    const client = ossClient(env.oss, creds);
    const key = 'users/alice/sse-multipart.bin';
    const data = randomBytes(250 * 1024);
    await client.multipartUpload(key, data, { partSize: 100 * 1024, headers: { [SSE]: 'KMS', [SSE_KEY]: 'key-mp' } });
    expect(env.oss.objects.get(BUCKET, key)?.body.equals(data)).toBe(true);
    expect(await headHeaders(key)).toMatchObject({ [SSE]: 'KMS', [SSE_KEY]: 'key-mp' });
  });

  it('x-oss-forbid-overwrite: true refuses an existing key on Initiate and on Complete', async () => {
    const client = ossClient(env.oss, creds);
    const key = 'users/alice/mp-once.bin';
    const forbid = { headers: { 'x-oss-forbid-overwrite': 'true' } };
    const init = await client.initMultipartUpload(key, forbid);
    const part = randomBytes(1000);
    const up = await client.uploadPart(key, init.uploadId, 1, part, 0, part.length);
    await client.put(key, Buffer.from('arrived first'));
    const complete = await thrown(() => client.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: up.etag }], forbid));
    expect([complete.status, complete.code]).toEqual([409, 'FileAlreadyExists']);
    const initAgain = await thrown(() => client.initMultipartUpload(key, forbid));
    expect([initAgain.status, initAgain.code]).toEqual([409, 'FileAlreadyExists']);
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('arrived first');
  });
});

describe('PostObject form fields', () => {
  const key = 'users/alice/form-once.png';
  const conditions = (base: Record<string, string>) => ({
    expiration: inAnHour(),
    conditions: [
      ...pinned(base),
      { bucket: BUCKET },
      ['eq', '$key', key],
      ['eq', '$x-oss-forbid-overwrite', 'true'],
      ['eq', `$${SSE}`, 'KMS'],
      ['eq', `$${SSE_KEY}`, 'key-form'],
    ],
  });
  const pins: Array<[string, string]> = [
    ['x-oss-forbid-overwrite', 'true'],
    [SSE, 'KMS'],
    [SSE_KEY, 'key-form'],
  ];

  it('stores the object encrypted once; the same form again is 409 FileAlreadyExists; a form without a pinned field is 403', async () => {
    const signed = v4Fields(env.oss, creds, conditions);
    const first = await post(env.oss, multipart([['key', key], ...pins, ...signed], png()));
    expect(first.status).toBe(204);
    expect(first.headers[SSE]).toBe('KMS');
    expect(await headHeaders(key)).toMatchObject({ [SSE]: 'KMS', [SSE_KEY]: 'key-form' });
    const stored = env.oss.objects.get(BUCKET, key)?.body;

    const again = await post(env.oss, multipart([['key', key], ...pins, ...signed], png()));
    expect([again.status, xmlCode(again.body)]).toEqual([409, 'FileAlreadyExists']);
    for (const dropped of pins.map(([name]) => name)) {
      const without = pins.filter(([name]) => name !== dropped);
      const res = await post(env.oss, multipart([['key', key], ...without, ...signed], png()));
      expect([res.status, xmlCode(res.body)], dropped).toEqual([403, 'AccessDenied']);
    }
    const changed = await post(env.oss, multipart([['key', key], ...pins.slice(0, 1), [SSE, 'AES256'], ...signed], png()));
    expect([changed.status, xmlCode(changed.body)]).toEqual([403, 'AccessDenied']);
    expect(env.oss.objects.get(BUCKET, key)?.body.equals(stored!)).toBe(true);
  });
});
