/**
 * POST /v1/oss-callback over HTTP, with this test acting as OSS: callbacks signed with an RSA key generated here,
 * whose public key a loopback server serves (on the only key URLs the broker allow-lists). The bucket is the OSS
 * emulator, which the broker reads itself. A valid callback records what the bucket holds, once per grant, whatever
 * its body says; a bad signature, a key URL that is not allowed, an edited x:grant, an object that is missing or
 * older than its grant each get 403 and record nothing.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { callbackBody, ossCallbackSignature, startKeyServer, type KeyServer } from './helpers.js';
import { OffsetClock, SECOND_KEY_PATH, startUploadsBroker, type UploadsBroker } from './broker-setup.js';

const clock = new OffsetClock();
let env: UploadsBroker;
let stranger: KeyServer;
beforeAll(async () => {
  env = await startUploadsBroker({ clock });
  stranger = await startKeyServer();
});
afterAll(async () => {
  await env?.close();
  await stranger?.close();
});

interface Form {
  key: string;
  grant: string;
  auth: Record<string, string>;
}

async function formFor(sub: string, size = 48211): Promise<Form> {
  const auth = await env.bearer(sub);
  const res = await request(env.broker.app)
    .post('/v1/post-policy')
    .set(auth)
    .send({ profile: 'uploads', files: [{ name: 'me.png', size, contentType: 'image/png' }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const upload = res.body.uploads[0];
  return { key: upload.key, grant: upload.fields['x:grant'], auth };
}

interface CallbackOptions {
  path?: string;
  keys?: KeyServer;
  signWith?: KeyServer['privateKey'];
  /** Signs this body but sends `send` (a body edited in transit). */
  send?: string;
  headers?: Record<string, string | undefined>;
}

/** What OSS sends after the upload: the expanded body, signed, with the key's URL. */
function callback(body: string, options: CallbackOptions = {}) {
  const path = options.path ?? '/v1/oss-callback';
  const keys = options.keys ?? env.keys;
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: ossCallbackSignature(options.signWith ?? keys.privateKey, path, body),
    'x-oss-pub-key-url': keys.header,
    ...options.headers,
  };
  const req = request(env.broker.app).post(path);
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) req.set(k, v);
  return req.send(options.send ?? body);
}

async function bytesOf(auth: Record<string, string>) {
  const res = await request(env.broker.app).get('/v1/usage?profile=uploads').set(auth);
  return { used: res.body.bytes[0].usedBytes as number, reserved: res.body.bytes[0].reservedBytes as number };
}

const recorded = () => env.broker.audit.filter((e) => e.event === 'upload.recorded').length;

describe('POST /v1/oss-callback', () => {
  it('records the size and ETag the bucket reports, not the body’s; a second callback changes nothing', async () => {
    const form = await formFor('alice');
    expect(await bytesOf(form.auth)).toEqual({ used: 0, reserved: 48211 });
    const { etag } = env.storeObject(form.key, 40000);
    const body = callbackBody({ bucket: BUCKET, object: form.key, etag: 'D41D8CD98F00B204E9800998ECF8427E', size: 1, grant: form.grant });
    const first = await callback(body, { path: '/v1/oss-callback?from=oss' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expectMatchesSpec('POST', '/v1/oss-callback', first);
    expect(first.body).toEqual({ key: form.key, size: 40000, etag });
    expect(Number(first.headers['content-length'])).toBe(first.text.length);
    expect(await bytesOf(form.auth)).toEqual({ used: 40000, reserved: 0 });

    const again = await callback(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await bytesOf(form.auth)).toEqual({ used: 40000, reserved: 0 });
    const events = env.broker.audit.filter((e) => e.event === 'upload.recorded' && e.keys?.[0] === form.key);
    expect(events.map((e) => e.outcome)).toEqual(['recorded', 'duplicate']);
    expect(events[0]).toMatchObject({ principal: { clientId: 'web', tenant: 'acme', subject: 'alice' }, bytes: 40000, profile: 'uploads' });
  });

  it('a grant settles once: a later callback after its object changed records nothing more', async () => {
    const form = await formFor('again');
    env.storeObject(form.key, 1000);
    const body = (size: number) => callbackBody({ bucket: BUCKET, object: form.key, etag: 'E', size, grant: form.grant });
    expect((await callback(body(1000))).status).toBe(200);
    env.storeObject(form.key, 3000);
    const second = await callback(body(3000));
    expect(second.status).toBe(200);
    expect(await bytesOf(form.auth)).toEqual({ used: 1000, reserved: 0 });
    const outcomes = env.broker.audit.filter((e) => e.event === 'upload.recorded' && e.keys?.[0] === form.key).map((e) => e.outcome);
    expect(outcomes).toEqual(['recorded', 'duplicate']);
  });

  describe('a correctly signed callback with a forged body (anyone can make OSS send one)', () => {
    it('the uploader’s own grant at size 0 after a 150 kB upload: counted at 150 kB', async () => {
      const form = await formFor('forger', 150_000);
      const { etag } = env.storeObject(form.key, 150_000);
      const res = await callback(callbackBody({ bucket: BUCKET, object: 'elsewhere/1.bin', etag: 'FAKE', size: 0, grant: form.grant }));
      expect([res.status, res.body]).toEqual([200, { key: form.key, size: 150_000, etag }]);
      expect(await bytesOf(form.auth)).toEqual({ used: 150_000, reserved: 0 });
    });

    it('sent before the upload with its predictable ETag: refused, and the genuine callback is still counted', async () => {
      const form = await formFor('preempt', 20_000);
      const content = Buffer.alloc(20_000, 1);
      const predicted = createHash('md5').update(content).digest('hex').toUpperCase();
      const early = await callback(callbackBody({ bucket: BUCKET, object: form.key, etag: predicted, size: 0, grant: form.grant }));
      expect([early.status, early.body.code]).toEqual([403, 'callback_rejected']);
      expect(early.body.detail).toContain('no object');
      expect(await bytesOf(form.auth)).toEqual({ used: 0, reserved: 20_000 });

      env.storeObject(form.key, 20_000);
      const genuine = await callback(callbackBody({ bucket: BUCKET, object: form.key, etag: predicted, size: 20_000, grant: form.grant }));
      expect(genuine.status, JSON.stringify(genuine.body)).toBe(200);
      expect(await bytesOf(form.auth)).toEqual({ used: 20_000, reserved: 0 });
    });

    it('a third party with a seen grant and a huge size: the owner is charged what is stored', async () => {
      const form = await formFor('victim', 5000);
      const huge = callbackBody({ bucket: BUCKET, object: form.key, etag: 'X', size: 10 ** 16, grant: form.grant });
      const before = await callback(huge);
      expect([before.status, before.body.code]).toEqual([403, 'callback_rejected']);
      expect(await bytesOf(form.auth)).toEqual({ used: 0, reserved: 5000 });
      env.storeObject(form.key, 4000);
      expect((await callback(huge)).body.size).toBe(4000);
      expect(await bytesOf(form.auth)).toEqual({ used: 4000, reserved: 0 });
    });

    it('an object older than its grant (not the upload the grant was issued for) settles nothing', async () => {
      const form = await formFor('stale');
      env.storeObject(form.key, 100, Date.now() - 3600_000);
      const res = await callback(callbackBody({ bucket: BUCKET, object: form.key, etag: 'X', size: 100, grant: form.grant }));
      expect([res.status, res.body.code]).toEqual([403, 'callback_rejected']);
      expect(res.body.detail).toContain('predates');
      expect(await bytesOf(form.auth)).toEqual({ used: 0, reserved: 48211 });
    });
  });

  describe('refuses with 403 callback_rejected, audits the refusal and records nothing', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const editGrant = (grant: string, edit: (fields: unknown[]) => void) => {
      const [v, payload, mac] = grant.split('.');
      const fields = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as unknown[];
      edit(fields);
      return `${v}.${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${mac}`;
    };
    /** A fresh form for each case (no case sees what another did), and the callback body OSS would send for it. */
    let uploader = 0;
    const setUp = async () => {
      uploader += 1;
      const form = await formFor(`mallory${uploader}`);
      return { form, body: callbackBody({ bucket: BUCKET, object: form.key, etag: 'ABC', size: 10, grant: form.grant }) };
    };
    type Case = Awaited<ReturnType<typeof setUp>>;
    const refusals = () => env.broker.audit.filter((e) => e.event === 'upload.callback_refused').length;

    it.each<[string, (c: Case) => ReturnType<typeof callback>, string]>([
      ['a signature by another key', ({ body }) => callback(body, { signWith: other.privateKey }), 'does not verify'],
      ['a body edited after signing', ({ body }) => callback(body, { send: body.replace('size=10', 'size=1') }), 'does not verify'],
      [
        'a signature over another path',
        ({ body }) =>
          callback(body, {
            path: '/v1/oss-callback',
            headers: { authorization: ossCallbackSignature(env.keys.privateKey, '/elsewhere', body) },
          }),
        'does not verify',
      ],
      ['no signature', ({ body }) => callback(body, { headers: { authorization: undefined } }), 'not signed'],
      ['no public key URL', ({ body }) => callback(body, { headers: { 'x-oss-pub-key-url': undefined } }), 'not signed'],
      [
        'a public key on a host that is not allow-listed (validly signed with its key)',
        ({ body }) => callback(body, { keys: stranger }),
        'is not allowed',
      ],
      [
        'a grant whose subject was edited',
        ({ form }) =>
          callback(
            callbackBody({
              bucket: BUCKET,
              object: form.key,
              etag: 'ABC',
              size: 10,
              grant: editGrant(form.grant, (f) => {
                f[3] = 'alice';
              }),
            }),
          ),
        'not a grant of this broker',
      ],
      [
        'a grant whose size was edited',
        ({ form }) =>
          callback(
            callbackBody({
              bucket: BUCKET,
              object: form.key,
              etag: 'ABC',
              size: 10,
              grant: editGrant(form.grant, (f) => {
                f[7] = 1;
              }),
            }),
          ),
        'not a grant of this broker',
      ],
      [
        'a grant from another broker',
        ({ form }) => callback(callbackBody({ bucket: BUCKET, object: form.key, etag: 'ABC', size: 10, grant: 'v1.W10.AAAA' })),
        'not a grant of this broker',
      ],
      ['no grant', ({ form }) => callback(`bucket=${BUCKET}&object=${encodeURIComponent(form.key)}&etag=ABC&size=10`), 'no x:grant'],
    ])('%s', async (_what, send, reason) => {
      const c = await setUp();
      // The object is in the bucket, so only the refusal stands between this callback and a recorded upload.
      env.storeObject(c.form.key, 10);
      const [recordedBefore, refusedBefore] = [recorded(), refusals()];
      const res = await send(c);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.body.code).toBe('callback_rejected');
      expect(res.body.detail).toContain(reason);
      expectMatchesSpec('POST', '/v1/oss-callback', res);
      expect(recorded()).toBe(recordedBefore);
      expect(refusals()).toBe(refusedBefore + 1);
      expect(await bytesOf(c.form.auth)).toEqual({ used: 0, reserved: 48211 });
      // No case, the stranger's included, makes the broker fetch a key from a host that is not allow-listed.
      expect(stranger.hits.size).toBe(0);
    });
  });

  it('refuses a grant whose form expired more than the grace period ago', async () => {
    const form = await formFor('late');
    clock.offsetMs = 2 * 3600_000;
    try {
      const res = await callback(callbackBody({ bucket: BUCKET, object: form.key, etag: 'L', size: 5, grant: form.grant }));
      expect([res.status, res.body.code]).toEqual([403, 'callback_rejected']);
      expect(res.body.detail).toContain('expired');
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('answers 503 public_key_unavailable when the allow-listed key host fails, and records nothing', async () => {
    const form = await formFor('dora');
    const header = Buffer.from(`http://${env.keys.host}${SECOND_KEY_PATH}`).toString('base64');
    env.keys.mode = 'error';
    try {
      const body = callbackBody({ bucket: BUCKET, object: form.key, etag: 'X', size: 5, grant: form.grant });
      const res = await callback(body, { headers: { 'x-oss-pub-key-url': header } });
      expect([res.status, res.body.code]).toEqual([503, 'public_key_unavailable']);
      expect(res.headers['retry-after']).toBeDefined();
      expectMatchesSpec('POST', '/v1/oss-callback', res);
      expect(await bytesOf(form.auth)).toEqual({ used: 0, reserved: 48211 });
    } finally {
      env.keys.mode = 'key';
    }
  });

  it('is POST only', async () => {
    const res = await request(env.broker.app).get('/v1/oss-callback');
    expect([res.status, res.body.code]).toEqual([405, 'method_not_allowed']);
  });
});
