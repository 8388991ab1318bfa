/**
 * Object-name rules (https://alibabacloud.com/help/en/oss/user-guide/object-naming-conventions; error code and
 * messages from https://www.alibabacloud.com/help/doc-detail/185228.htm): InvalidObjectName for empty, over-long
 * (> 1023 bytes), invalid UTF-8, leading `/`; `..` segments are refused the same way (see checkObjectKey).
 */
import { describe, expect, it } from 'vitest';
import { BUCKET, MODES, emulatorForFile, ossClient, raw, thrown, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();

describe.each(MODES)('$name', (mode) => {
  it('a key with a `..` segment is refused, and nothing is stored', async () => {
    // ali-oss's URL handling collapses dot segments before sending (PUT users/alice/../bob/x.txt goes out as
    // PUT users/bob/x.txt) while its signature covers the original key, so the request fails its signature; a client
    // that sends the `..` literally gets InvalidObjectName (see "raw key encodings").
    const client = ossClient(env.oss, creds, mode);
    for (const key of ['users/alice/../bob/x.txt', 'users/alice/..', 'users/alice/a/../../bob/y.txt']) {
      const err = await thrown(() => client.put(key, Buffer.from('x')));
      expect(err.code).toBe('SignatureDoesNotMatch');
      expect(err.status).toBe(403);
    }
    expect(env.oss.objects.list(BUCKET, 'users/bob/')).toEqual([]);
    expect(env.oss.objects.list(BUCKET, 'users/')).not.toContain('users/');
    // Dots inside a segment are ordinary characters.
    expect((await client.put('users/alice/v1..2/..x', Buffer.from('ok'))).res.status).toBe(200);
  });

  it('a key over 1023 bytes is InvalidObjectName; 1023 bytes is fine', async () => {
    const client = ossClient(env.oss, creds, mode);
    const base = 'users/alice/';
    const long = base + 'é'.repeat((1024 - base.length) / 2);
    expect(Buffer.byteLength(long)).toBe(1024);
    const err = await thrown(() => client.put(long, Buffer.from('x')));
    expect(err.code).toBe('InvalidObjectName');
    expect(err.message).toBe('The Length of Object name must be less than 1024');
    const exact = base + 'a'.repeat(1023 - base.length);
    expect((await client.put(exact, Buffer.from('x'))).res.status).toBe(200);
  });
});

describe('raw key encodings', () => {
  it('invalid UTF-8 in the key is InvalidObjectName', async () => {
    const res = await raw(env.oss, { method: 'PUT', path: `/${BUCKET}/users/alice/%FF%FE.txt`, body: 'x' });
    expect(res.status).toBe(400);
    expect(xmlCode(res.body)).toBe('InvalidObjectName');
  });

  it('a leading slash and literal or encoded `..` segments are InvalidObjectName', async () => {
    const paths = [
      `/${BUCKET}//users/alice/x`,
      `/${BUCKET}/users/alice/../bob/x`,
      `/${BUCKET}/users/alice/..`,
      `/${BUCKET}/users/alice/%2E%2E/bob/x`,
      `/${BUCKET}/users%2Falice%2F..%2Fbob%2Fx`,
      `/${BUCKET}/users/alice/..\\bob\\x`,
    ];
    for (const path of paths) {
      const res = await raw(env.oss, { method: 'PUT', path, body: 'x' });
      expect(res.status, path).toBe(400);
      expect(xmlCode(res.body)).toBe('InvalidObjectName');
    }
  });

  it('keys with spaces, plus signs and non-ASCII round-trip', async () => {
    const client = ossClient(env.oss, creds, { style: 'host', v4: true });
    const key = 'users/alice/dir/héllo wörld+&=?#.txt';
    await client.put(key, Buffer.from('u'));
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('u');
    const v1 = ossClient(env.oss, creds, { style: 'path', v4: false });
    expect(Buffer.from((await v1.get(key)).content as Buffer).toString()).toBe('u');
    const listed = await v1.list({ prefix: 'users/alice/dir/', 'max-keys': 10 }, {});
    expect(listed.objects.map((o) => o.name)).toEqual([key]);
  });
});
