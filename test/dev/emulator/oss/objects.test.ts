/**
 * The object operations and listings through the real ali-oss client, in both addressing styles and with both
 * signature versions, with a token from the STS emulator scoped to `users/alice/`.
 */
import { describe, expect, it } from 'vitest';
import { BUCKET, MODES, emulatorForFile, ossClient, raw, thrown } from './helpers.js';

const { env, creds } = emulatorForFile();

describe.each(MODES)('$name', (mode) => {
  const dir = `users/alice/${mode.style}-${mode.v4 ? 'v4' : 'v1'}/`;

  it('puts, gets, heads and deletes inside the prefix', async () => {
    const client = ossClient(env.oss, creds, mode);
    const key = `${dir}hello world+1.txt`;
    const put = await client.put(key, Buffer.from('hello'));
    expect(put.res.status).toBe(200);
    // ETag = quoted upper-case hex MD5 (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js).
    expect(put.res.headers).toMatchObject({ etag: '"5D41402ABC4B2A76B9719D911017C592"' });
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('hello');
    expect(env.oss.objects.get(BUCKET, key)?.contentType).toBe('text/plain');

    const got = await client.get(key);
    expect(Buffer.from(got.content as Buffer).toString()).toBe('hello');
    const head = await client.head(key);
    expect(head.status).toBe(200);
    expect((head.res.headers as Record<string, string>)['content-length']).toBe('5');

    const del = await client.delete(key);
    expect(del.res.status).toBe(204);
    expect(env.oss.objects.get(BUCKET, key)).toBeUndefined();
    const missing = await thrown(() => client.get(key));
    expect(missing.code).toBe('NoSuchKey');
    expect(missing.status).toBe(404);
  });

  it('lists v1 and v2 with prefix, delimiter and pagination', async () => {
    const client = ossClient(env.oss, creds, mode);
    for (const name of ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt', 'z.txt']) {
      await client.put(`${dir}list/${name}`, Buffer.from(name));
    }
    const prefix = `${dir}list/`;
    const all = await client.list({ prefix, 'max-keys': 100 }, {});
    expect(all.objects.map((o) => o.name)).toEqual(['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt', 'z.txt'].map((n) => prefix + n));
    expect(all.objects[0]?.owner?.id).toBeTruthy();

    const grouped = await client.list({ prefix, delimiter: '/', 'max-keys': 100 }, {});
    expect(grouped.objects.map((o) => o.name)).toEqual([`${prefix}a.txt`, `${prefix}b.txt`, `${prefix}z.txt`]);
    expect(grouped.prefixes).toEqual([`${prefix}sub/`]);

    const page1 = await client.list({ prefix, delimiter: '/', 'max-keys': 3 }, {});
    expect(page1.isTruncated).toBe(true);
    expect([...page1.objects.map((o) => o.name), ...(page1.prefixes ?? [])]).toEqual([`${prefix}a.txt`, `${prefix}b.txt`, `${prefix}sub/`]);
    const page2 = await client.list({ prefix, delimiter: '/', 'max-keys': 3, marker: page1.nextMarker ?? '' }, {});
    expect(page2.objects.map((o) => o.name)).toEqual([`${prefix}z.txt`]);
    expect(page2.isTruncated).toBe(false);

    const v2a = await client.listV2({ prefix, 'max-keys': '2' }, {});
    expect(v2a.keyCount).toBe(2);
    expect(v2a.isTruncated).toBe(true);
    const v2b = await client.listV2({ prefix, 'max-keys': '10', 'continuation-token': v2a.nextContinuationToken ?? '' }, {});
    expect(v2b.objects.map((o) => o.name)).toEqual(['sub/c.txt', 'sub/d.txt', 'z.txt'].map((n) => prefix + n));
  });

  it('refuses what the session policy does not grant', async () => {
    const client = ossClient(env.oss, creds, mode);
    const outside = await thrown(() => client.put('users/bob/x.txt', Buffer.from('x')));
    expect(outside.code).toBe('AccessDenied');
    expect(outside.status).toBe(403);
    expect(outside.message).toBe("Access denied by authorizer's policy.");
    const root = await thrown(() => client.put('root.txt', Buffer.from('x')));
    expect(root.code).toBe('AccessDenied');
    // Listing outside the prefix fails the oss:Prefix condition.
    const list = await thrown(() => client.list({ prefix: 'users/', 'max-keys': 10 }, {}));
    expect(list.code).toBe('AccessDenied');
    const bare = await thrown(() => client.listV2({}, {}));
    expect(bare.code).toBe('AccessDenied');
    // HEAD has no body: the error arrives base64 in x-oss-err and ali-oss decodes it (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header).
    const head = await thrown(() => client.head('users/bob/x.txt'));
    expect(head.code).toBe('AccessDenied');
    expect(head.status).toBe(403);
    expect(env.oss.objects.list(BUCKET, 'users/bob/')).toEqual([]);
  });
});

describe('errors the object operations document', () => {
  it('a missing object on HEAD is 404 NoSuchKey', async () => {
    const err = await thrown(() => ossClient(env.oss, creds).head('users/alice/none.txt'));
    expect(err.code).toBe('NoSuchKey');
    expect(err.status).toBe(404);
  });

  it('another bucket is refused even though the role could reach it', async () => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: false }, { bucket: 'archive' });
    const err = await thrown(() => client.put('users/alice/x.txt', Buffer.from('x')));
    expect(err.code).toBe('AccessDenied');
  });

  it('an unknown bucket is NoSuchBucket', async () => {
    const client = ossClient(env.oss, creds, { style: 'host', v4: true }, { bucket: 'nobucket' });
    const err = await thrown(() => client.put('users/alice/x.txt', Buffer.from('x')));
    expect(err.code).toBe('NoSuchBucket');
    expect(err.status).toBe(404);
  });

  it('a wrong Content-MD5 is InvalidDigest', async () => {
    const client = ossClient(env.oss, creds);
    const err = await thrown(() =>
      client.put('users/alice/md5.txt', Buffer.from('abc'), { headers: { 'Content-MD5': 'AAAAAAAAAAAAAAAAAAAAAA==' } }),
    );
    expect(err.code).toBe('InvalidDigest');
    expect(env.oss.objects.get(BUCKET, 'users/alice/md5.txt')).toBeUndefined();
  });

  it('x-oss-forbid-overwrite: true refuses an existing key with 409 FileAlreadyExists; a value other than true/false is 400', async () => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    const key = 'users/alice/once.txt';
    const forbid = (value: string) => ({ headers: { 'x-oss-forbid-overwrite': value } });
    await client.put(key, Buffer.from('first'), forbid('true'));
    const again = await thrown(() => client.put(key, Buffer.from('second'), forbid('true')));
    expect([again.status, again.code]).toEqual([409, 'FileAlreadyExists']);
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('first');
    const bad = await thrown(() => client.put('users/alice/bad.txt', Buffer.from('x'), forbid('yes')));
    expect([bad.status, bad.code]).toEqual([400, 'InvalidArgument']);
    await client.put(key, Buffer.from('third'), forbid('false'));
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('third');
  });

  it('GetObjectMeta (HEAD ?objectMeta) answers size, ETag and Last-Modified, under oss:GetObject', async () => {
    for (const mode of MODES) {
      const client = ossClient(env.oss, creds, mode) as unknown as {
        put: (k: string, b: Buffer) => Promise<unknown>;
        getObjectMeta: (k: string) => Promise<{ status: number; res: { headers: Record<string, string> } }>;
      };
      const key = `users/alice/meta-${mode.style}-${mode.v4}.bin`;
      await client.put(key, Buffer.from('12345678'));
      const meta = await client.getObjectMeta(key);
      expect(meta.status).toBe(200);
      expect(meta.res.headers).toMatchObject({ 'content-length': '8', etag: env.oss.objects.get(BUCKET, key)!.etag });
      expect(Date.parse(meta.res.headers['last-modified']!)).toBeGreaterThan(0);
      expect(meta.res.headers['content-type']).toBeUndefined();
      const missing = await thrown(() => client.getObjectMeta('users/alice/none.bin'));
      expect(missing.status).toBe(404);
      const outside = await thrown(() => client.getObjectMeta('users/bob/x.bin'));
      expect([outside.status, outside.code]).toEqual([403, 'AccessDenied']);
    }
    // A token that may only write cannot read metadata.
    const writeOnly = await env.token({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/users/alice/*`] }],
    });
    const client = ossClient(env.oss, writeOnly) as unknown as { getObjectMeta: (k: string) => Promise<unknown> };
    const denied = await thrown(() => client.getObjectMeta('users/alice/meta-path-true.bin'));
    expect([denied.status, denied.code]).toEqual([403, 'AccessDenied']);
  });

  it('keeps x-oss-meta-* and Content-Type', async () => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    await client.put('users/alice/meta.bin', Buffer.from('m'), { mime: 'image/png', meta: { owner: 'alice', mtime: 1 } } as never);
    const head = await client.head('users/alice/meta.bin');
    expect(head.meta).toMatchObject({ owner: 'alice' });
    expect((head.res.headers as Record<string, string>)['content-type']).toBe('image/png');
  });
});

describe('signed URLs and HEAD errors on the wire', () => {
  it('a V1 signed URL (signatureUrl with an STS token) reads the object until it expires', async () => {
    const client = ossClient(env.oss, creds);
    await client.put('users/alice/signed.txt', Buffer.from('signed'));
    const url = client.signatureUrl('users/alice/signed.txt', { expires: 60 });
    expect(url).toContain('security-token=');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('signed');
    const outside = await fetch(client.signatureUrl('users/bob/x.txt', { expires: 60 }));
    expect(outside.status).toBe(403);
    const expired = await fetch(client.signatureUrl('users/alice/signed.txt', { expires: -10 }));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired.');
    const tampered = await fetch(url.replace('signed.txt', 'signed.txT'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('SignatureDoesNotMatch');
  });

  it('a HEAD error has no body and carries the XML base64 in x-oss-err', async () => {
    const res = await raw(env.oss, { method: 'HEAD', path: `/${BUCKET}/users/alice/x.txt` });
    expect(res.status).toBe(403);
    expect(res.body).toBe('');
    const xml = Buffer.from(String(res.headers['x-oss-err']), 'base64').toString('utf8');
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain(`<RequestId>${String(res.headers['x-oss-request-id'])}</RequestId>`);
  });
});
