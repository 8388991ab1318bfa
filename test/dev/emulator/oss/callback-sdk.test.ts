/**
 * Upload callbacks through the real ali-oss client: `put` and `multipartUpload` with the `callback` option send
 * `x-oss-callback` / `x-oss-callback-var` (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js; ali-oss lib/common/callback.js), signed like any x-oss-* header in
 * V1 and V4. Also the URL form (`?callback=`), which ali-oss does not send, built and signed here.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { receiverForFile, verifyCallbackSignature } from './callback-receiver.js';
import { b64 } from './forms.js';
import { BUCKET, MODES, emulatorForFile, ossClient, raw, signV1, thrown, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();
const receiver = receiverForFile();

const form = (buf: Buffer) => Object.fromEntries(new URLSearchParams(buf.toString('utf8')));

describe.each(MODES)('ali-oss $name', (mode) => {
  it('put with a callback: the receiver gets a signed request and its JSON reaches result.data', async () => {
    const client = ossClient(env.oss, creds, mode);
    const key = `users/alice/sdk/put-${mode.style}-${mode.v4}.txt`;
    receiver.answer = (got) => ({ body: JSON.stringify({ seen: form(got.body).object }) });
    const result = await client.put(key, Buffer.from('hello callback'), {
      callback: {
        url: `${receiver.origin}/put`,
        body: 'object=${object}&size=${size}&mimeType=${mimeType}&grant=${x:grant}',
        customValue: { grant: 'g-1' },
      },
    });
    expect((result as unknown as { data: unknown }).data).toEqual({ seen: key });
    expect(result.res.status).toBe(200);
    expect(env.oss.objects.get(BUCKET, key)?.body.toString()).toBe('hello callback');
    const got = receiver.received[0]!;
    expect((await verifyCallbackSignature(got)).valid).toBe(true);
    expect(form(got.body)).toEqual({ object: key, size: '14', mimeType: 'text/plain', grant: 'g-1' });
  });
});

describe('ali-oss callbacks', () => {
  it('multipartUpload with a callback: CompleteMultipartUpload relays the reply instead of its XML', async () => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    const key = 'users/alice/sdk/multi.bin';
    const data = randomBytes(350 * 1024);
    receiver.answer = () => ({ body: '{"accepted":"multi"}' });
    const result = await client.multipartUpload(key, data, {
      partSize: 100 * 1024,
      callback: {
        url: `${receiver.origin}/complete`,
        body: '{"object":${object},"size":${size},"etag":${etag}}',
        contentType: 'application/json',
      },
    });
    expect((result as unknown as { data: unknown }).data).toEqual({ accepted: 'multi' });
    const stored = env.oss.objects.get(BUCKET, key);
    expect(stored?.body.equals(data)).toBe(true);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect((await verifyCallbackSignature(got)).valid).toBe(true);
    // The size of the whole object, and the multipart ETag (…-4).
    expect(JSON.parse(got.body.toString())).toEqual({ object: key, size: data.length, etag: stored?.etag.replace(/"/g, '') });
    expect(stored?.etag).toMatch(/-4"$/);
  });

  it('a failed callback is status 203 / code CallbackFailed for ali-oss, and the object is stored', async () => {
    const client = ossClient(env.oss, creds);
    receiver.answer = () => ({ status: 502, body: '{}' });
    const err = await thrown(() =>
      client.put('users/alice/sdk/failed.txt', Buffer.from('kept'), { callback: { url: `${receiver.origin}/x`, body: 'a=b' } }),
    );
    expect(err.status).toBe(203);
    expect(err.code).toBe('CallbackFailed');
    expect(env.oss.objects.get(BUCKET, 'users/alice/sdk/failed.txt')?.body.toString()).toBe('kept');
  });

  it('invalid x-oss-callback / x-oss-callback-var headers are 400 InvalidArgument and store nothing', async () => {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    const callback = b64({ callbackUrl: `${receiver.origin}/x`, callbackBody: 'g=${x:grant}' });
    const cases: Array<[string, Record<string, string>]> = [
      ['bad-type', { 'x-oss-callback': b64({ callbackUrl: `${receiver.origin}/x`, callbackBody: 'a', callbackBodyType: 'text/xml' }) }],
      ['var-without-x', { 'x-oss-callback': callback, 'x-oss-callback-var': b64({ grant: 'v' }) }],
      ['var-upper-case', { 'x-oss-callback': callback, 'x-oss-callback-var': b64({ 'x:Grant': 'v' }) }],
      ['var-not-json', { 'x-oss-callback': callback, 'x-oss-callback-var': b64('{') }],
    ];
    for (const [name, headers] of cases) {
      const key = `users/alice/sdk/bad-${name}.txt`;
      const err = await thrown(() => client.put(key, Buffer.from('x'), { headers }));
      expect(err.status, name).toBe(400);
      expect(err.code, name).toBe('InvalidArgument');
      expect(env.oss.objects.get(BUCKET, key), name).toBeUndefined();
    }
    expect(receiver.received).toHaveLength(0);
  });
});

describe('callback in the URL (sub-resources callback / callback-var), V1 signed here', () => {
  function signedPut(key: string, query: Record<string, string>, extraHeaders: Record<string, string> = {}) {
    const date = new Date().toUTCString();
    const headers: Record<string, string> = {
      'content-type': 'text/plain',
      'x-oss-date': date,
      'x-oss-security-token': creds.securityToken,
      ...extraHeaders,
    };
    const ossHeaders = Object.keys(headers)
      .filter((h) => h.startsWith('x-oss-'))
      .sort()
      .map((h) => `${h}:${headers[h]}\n`)
      .join('');
    const sub = Object.keys(query)
      .sort()
      .map((k) => `${k}=${query[k]}`)
      .join('&');
    const stringToSign = `PUT\n\ntext/plain\n${date}\n${ossHeaders}/${BUCKET}/${key}?${sub}`;
    headers.authorization = `OSS ${creds.accessKeyId}:${signV1(creds.accessKeySecret, stringToSign)}`;
    const qs = Object.entries(query)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    return raw(env.oss, { method: 'PUT', path: `/${BUCKET}/${key}?${qs}`, headers, body: 'via url' });
  }

  it('runs the callback given as ?callback=&callback-var=', async () => {
    const res = await signedPut('users/alice/sdk/url.txt', {
      callback: b64({ callbackUrl: `${receiver.origin}/url`, callbackBody: 'object=${object}&grant=${x:grant}' }),
      'callback-var': b64({ 'x:grant': 'from-url' }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ Status: 'OK' });
    expect(form(receiver.received[0]!.body)).toEqual({ object: 'users/alice/sdk/url.txt', grant: 'from-url' });
  });

  it('the URL form and the header form together are InvalidArgument', async () => {
    const callback = b64({ callbackUrl: `${receiver.origin}/url`, callbackBody: 'a=b' });
    const res = await signedPut('users/alice/sdk/both.txt', { callback }, { 'x-oss-callback': callback });
    expect(res.status).toBe(400);
    expect(xmlCode(res.body)).toBe('InvalidArgument');
    expect(env.oss.objects.get(BUCKET, 'users/alice/sdk/both.txt')).toBeUndefined();
    expect(receiver.received).toHaveLength(0);
  });
});
