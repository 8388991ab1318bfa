/**
 * Upload callbacks on PostObject (https://www.alibabacloud.com/help/en/oss/developer-reference/callback): the `callback`
 * form field with `x:` variables, a receiver on loopback that checks the RSA-MD5 signature against the public key the
 * emulator serves, the expanded body in both body types, the reply relayed to the uploader, and 203 CallbackFailed
 * (object kept) when the receiver is unreachable, answers non-200 or non-JSON, or is too slow.
 */
import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { receiverForFile, startCallbackReceiver, verifyCallbackSignature } from './callback-receiver.js';
import { b64, type Field, inAnHour, multipart, pinned, png, post, v4Fields } from './forms.js';
import { BUCKET, emulatorForFile, startEnv, xmlCode, type Creds, type Env } from './helpers.js';

const { env, creds } = emulatorForFile();
const receiver = receiverForFile();

/** A URL on loopback that refuses connections: a port that was just released. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/cb`;
}

/** A V4 form for `key` with a callback (not pinned by the policy unless asked) and extra fields before the file. */
function callbackForm(
  key: string,
  callback: unknown,
  extra: Field[] = [],
  opts: { pinCallback?: boolean; target?: { env: Env; creds: Creds } } = {},
) {
  const target = opts.target ?? { env, creds };
  const encoded = typeof callback === 'string' ? callback : b64(callback);
  const fields = v4Fields(target.env.oss, target.creds, (base) => ({
    expiration: inAnHour(),
    conditions: [
      { bucket: BUCKET },
      ...pinned(base),
      ['eq', '$key', key],
      ['content-length-range', 0, 1024],
      ['eq', '$content-type', 'image/png'],
      ...(opts.pinCallback ? [{ callback: encoded }] : []),
    ],
  }));
  return multipart([['key', key], ['Content-Type', 'image/png'], ...extra, ...fields, ['callback', encoded]], png(10));
}

describe('the callback public key', () => {
  it('is served as PEM at /.well-known/oss-callback-public-key.pem on the emulator port', async () => {
    expect(env.oss.callbackPublicKeyUrl).toBe(`${env.oss.url}/.well-known/oss-callback-public-key.pem`);
    const res = await fetch(env.oss.callbackPublicKeyUrl);
    expect(res.status).toBe(200);
    const pem = await res.text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pem).toBe(env.oss.callbackPublicKeyPem);
    expect(createPublicKey(pem).asymmetricKeyType).toBe('rsa');
  });
});

describe('PostObject with a callback', () => {
  it('sends a signed form-urlencoded request with the variables expanded, and relays the JSON reply with 200', async () => {
    const key = 'users/alice/cb/pic one.png';
    const answer = '{"key":"users/alice/cb/pic one.png","recorded":true}';
    receiver.answer = () => ({ body: answer });
    const callback = {
      callbackUrl: `${receiver.origin}/oss/cb%20done?tenant=acme&n=1`,
      callbackHost: 'broker.example',
      callbackBody:
        'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&grant=${x:grant}&h=${imageInfo.height}&missing=${x:none}',
    };
    // success_action_status asks for 201, but a callback's reply replaces the usual answer.
    const res = await post(
      env.oss,
      callbackForm(key, callback, [
        ['success_action_status', '201'],
        ['x:grant', 'g/1+2=3 ok'],
      ]),
    );

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(answer);
    const stored = env.oss.objects.get(BUCKET, key);
    expect(stored?.body.length).toBe(10);
    expect(res.headers.etag).toBe(stored?.etag);

    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/oss/cb%20done?tenant=acme&n=1');
    expect(got.headers.host).toBe('broker.example');
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Number(got.headers['content-length'])).toBe(got.body.length);
    const { valid, publicKeyUrl } = await verifyCallbackSignature(got);
    expect(publicKeyUrl).toBe(env.oss.callbackPublicKeyUrl);
    expect(valid).toBe(true);
    // The same check fails for a body that is not the one signed, so `valid` above means something.
    expect((await verifyCallbackSignature({ ...got, body: Buffer.from(`${got.body}&size=999`) })).valid).toBe(false);

    const text = got.body.toString('utf8');
    expect(text).toContain('mimeType=image%2Fpng');
    const vars = new URLSearchParams(text);
    expect(Object.fromEntries(vars)).toEqual({
      bucket: BUCKET,
      object: key,
      etag: stored?.etag.replace(/"/g, ''),
      size: '10',
      mimeType: 'image/png',
      grant: 'g/1+2=3 ok',
      h: '',
      missing: '',
    });
  });

  it('application/json inserts each value in JSON form (strings quoted and escaped, size a number)', async () => {
    const key = 'users/alice/cb/"quoted".png';
    const callback = {
      callbackUrl: `${receiver.origin}/json`,
      callbackBody: '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},"grant":${x:grant}}',
      callbackBodyType: 'application/json',
    };
    const res = await post(env.oss, callbackForm(key, callback, [['x:grant', 'a"b\\c']]));
    expect(res.status).toBe(200);
    const got = receiver.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.host).toBe(new URL(receiver.origin).host);
    expect((await verifyCallbackSignature(got)).valid).toBe(true);
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({
      bucket: BUCKET,
      object: key,
      etag: env.oss.objects.get(BUCKET, key)?.etag.replace(/"/g, ''),
      size: 10,
      mimeType: 'image/png',
      grant: 'a"b\\c',
    });
  });

  it('tries the callback URLs in order until one succeeds', async () => {
    const callback = { callbackUrl: `${await closedUrl()};${receiver.origin}/second`, callbackBody: 'object=${object}' };
    const res = await post(env.oss, callbackForm('users/alice/cb/two.png', callback));
    expect(res.status).toBe(200);
    expect(receiver.received.map((r) => r.url)).toEqual(['/second']);
  });

  it('an empty callbackUrl means no callback', async () => {
    const res = await post(
      env.oss,
      callbackForm('users/alice/cb/none.png', { callbackUrl: '', callbackBody: 'a=b' }, [['success_action_status', '201']]),
    );
    expect(res.status).toBe(201);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('a failed callback: 203 CallbackFailed, the object stays stored', () => {
  async function expectFailed(key: string, callbackUrl: string, message: string, target = { env, creds }) {
    const oss = target.env.oss;
    const before = oss.stats.byCode.CallbackFailed ?? 0;
    const res = await post(oss, callbackForm(key, { callbackUrl, callbackBody: 'object=${object}' }, [], { target }));
    expect(res.status).toBe(203);
    expect(xmlCode(res.body)).toBe('CallbackFailed');
    expect(res.body).toContain(`<Message>${message}</Message>`);
    const stored = oss.objects.get(BUCKET, key);
    expect(stored?.body.length).toBe(10);
    expect(res.headers.etag).toBe(stored?.etag);
    expect(oss.stats.byCode.CallbackFailed).toBe(before + 1);
  }

  it('unreachable receiver', async () => {
    await expectFailed(
      'users/alice/cb/down.png',
      await closedUrl(),
      'Error Status : -1.OSS can not connect to your callbackUrl, please check it',
    );
  });

  it('a status other than 200', async () => {
    receiver.answer = () => ({ status: 500, body: '{"error":"boom"}' });
    await expectFailed('users/alice/cb/500.png', `${receiver.origin}/cb`, 'Error status : 500.');
    expect(receiver.received).toHaveLength(1);
  });

  it('a reply that is not JSON', async () => {
    receiver.answer = () => ({ body: 'OK', contentType: 'text/plain' });
    await expectFailed('users/alice/cb/text.png', `${receiver.origin}/cb`, 'Response body is not valid json format.');
  });

  it('a receiver slower than the callback timeout (5 s at OSS; shortened here)', async () => {
    // Its own emulator and receiver: the abandoned request must not reach another test's receiver late.
    const [slow, sleepy] = await Promise.all([startEnv({ callbackTimeoutMs: 300 }), startCallbackReceiver()]);
    try {
      sleepy.answer = () => ({ hang: true });
      const target = { env: slow, creds: await slow.token() };
      await expectFailed('users/alice/cb/slow.png', `${sleepy.origin}/cb`, 'Cost too long time', target);
    } finally {
      await Promise.all([slow.close(), sleepy.close()]);
    }
  });
});

describe('invalid callback parameters: 400 InvalidArgument, nothing stored, nobody called', () => {
  const url = () => `${receiver.origin}/cb`;
  const cases: Array<[string, () => unknown]> = [
    ['not base64', () => '%%%not-base64%%%'],
    ['not a JSON object', () => b64('["a"]')],
    ['an empty callbackBody', () => ({ callbackUrl: url(), callbackBody: '' })],
    ['an unknown callbackBodyType', () => ({ callbackUrl: url(), callbackBody: 'a=b', callbackBodyType: 'text/plain' })],
    ['more than five URLs', () => ({ callbackUrl: Array(6).fill(url()).join(';'), callbackBody: 'a=b' })],
    ['a URL with a bad port', () => ({ callbackUrl: '10.101.166.30:test', callbackBody: 'a=b' })],
    ['a variable not in ${var} form', () => ({ callbackUrl: url(), callbackBody: 'a=${object' })],
    ['a callback over 5 KB', () => ({ callbackUrl: url(), callbackBody: `a=${'x'.repeat(5000)}` })],
  ];
  it.each(cases)('%s', async (name, callback) => {
    const key = `users/alice/cb/bad-${name.replace(/\W+/g, '-')}.png`;
    const res = await post(env.oss, callbackForm(key, callback()));
    expect(res.status).toBe(400);
    expect(xmlCode(res.body)).toBe('InvalidArgument');
    expect(env.oss.objects.get(BUCKET, key)).toBeUndefined();
    expect(receiver.received).toHaveLength(0);
  });
});

describe('a policy that pins the callback', () => {
  const callback = () => ({ callbackUrl: `${receiver.origin}/cb`, callbackBody: 'object=${object}&grant=${x:grant}' });

  it('accepts the pinned callback and runs it', async () => {
    const res = await post(env.oss, callbackForm('users/alice/cb/pinned.png', callback(), [], { pinCallback: true }));
    expect(res.status).toBe(200);
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses a form without the callback field (the condition names a field the form lacks)', async () => {
    const form = callbackForm('users/alice/cb/dropped.png', callback(), [], { pinCallback: true });
    // Rebuild the same signed form minus the callback field.
    const text = form.body.toString('latin1');
    const boundary = form.contentType.split('boundary=')[1] as string;
    const parts = text.split(`--${boundary}`).filter((p) => !p.includes('name="callback"'));
    const res = await post(env.oss, { body: Buffer.from(parts.join(`--${boundary}`), 'latin1'), contentType: form.contentType });
    expect(res.status).toBe(403);
    expect(xmlCode(res.body)).toBe('AccessDenied');
    expect(res.body).toContain('<EC>0006-00000226</EC>');
    expect(env.oss.objects.get(BUCKET, 'users/alice/cb/dropped.png')).toBeUndefined();
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a changed callback', async () => {
    const form = callbackForm('users/alice/cb/changed.png', callback(), [], { pinCallback: true });
    const original = b64(callback());
    const other = b64({ ...callback(), callbackUrl: `${receiver.origin}/evil` });
    const res = await post(env.oss, {
      ...form,
      body: Buffer.from(form.body.toString('latin1').replace(`\r\n${original}\r\n`, `\r\n${other}\r\n`), 'latin1'),
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('Invalid according to Policy: Policy Condition failed: {"callback":');
    expect(res.body).toContain('<EC>0006-00000227</EC>');
    expect(receiver.received).toHaveLength(0);
  });
});
