/**
 * End to end, the callback half of form uploads: a form from the broker (POST /v1/post-policy), posted as real
 * multipart/form-data to the OSS emulator, makes the emulator call the broker's POST /v1/oss-callback over HTTP with
 * a request signed by its own RSA key (public key on the emulator's port, the only key URL the broker allow-lists). The
 * broker verifies it, settles the byte reservation with the actual size, and its JSON reply reaches the uploader
 * through OSS. Real Redis, the real broker modules, nothing mocked.
 *
 * post-policy.test.ts covers the form conditions without a callback; here the policy also pins `callback` and
 * `x:grant`, so the storage refuses a form whose callback was dropped or changed or whose grant was edited.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, ossClient, randomBuffer, startStack, storedObject, type Stack } from './stack.js';
import type { PostPolicyResponse } from '../../src/uploads/index.js';
import { changeCharAt } from '../../dev/testing/tamper.js';

const BYTES_PER_HOUR = 100_000;

/** A loopback server bound before the broker exists, so the callback URL in its config can name the port. */
async function listeningServer(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on (bound, then released): the broker "down" as OSS sees it. */
async function closedPort(): Promise<number> {
  const { server, port } = await listeningServer();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let stack: Stack;
let front: Server;
let callbackUrl: string;
beforeAll(async () => {
  const { server, port } = await listeningServer();
  front = server;
  callbackUrl = `http://127.0.0.1:${port}/v1/oss-callback`;
  const deadPort = await closedPort();
  const grantKey = randomBytes(32).toString('base64');
  stack = await startStack({
    configPatch: (c, { oss }) => {
      const uploads = c.profiles.uploads;
      c.profiles.forms = {
        ...uploads,
        prefix: 'cbforms/${tenant}/${sub}/',
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 300, callback: { url: `http://127.0.0.1:${port}/v1/oss-callback` } },
        quota: { bytesPerPrincipal: [{ limitBytes: BYTES_PER_HOUR, windowSeconds: 3600 }] },
      };
      c.profiles.offline = {
        ...c.profiles.forms,
        prefix: 'offline/${tenant}/${sub}/',
        postPolicy: { formLifetimeSeconds: 300, callback: { url: `http://127.0.0.1:${deadPort}/v1/oss-callback` } },
      };
      c.uploads = { grantKey, callbackPublicKeyUrls: [oss.callbackPublicKeyUrl] };
    },
  });
  front.on('request', stack.broker.app);
});
afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
});

type Upload = PostPolicyResponse['uploads'][number];

async function formFor(auth: Record<string, string>, profile: string, file: { name: string; size: number; contentType: string }) {
  const res = await request(stack.broker.app)
    .post('/v1/post-policy')
    .set(auth)
    .send({ profile, files: [file] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as PostPolicyResponse).uploads[0] as Upload;
}

/** The browser way: every field in order, then the file; `edit` changes what a misbehaving client would. */
async function post(upload: Upload, file: Buffer, edit: (fields: Record<string, string>) => void = () => {}) {
  const fields = { ...upload.fields };
  edit(fields);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)], { type: fields['Content-Type'] ?? 'application/octet-stream' }), 'f.bin');
  const res = await fetch(upload.url, { method: 'POST', body: form });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

async function bytesOf(auth: Record<string, string>, profile = 'forms') {
  const res = await request(stack.broker.app).get(`/v1/usage?profile=${profile}`).set(auth);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const [window] = res.body.bytes;
  return { used: window.usedBytes as number, reserved: window.reservedBytes as number };
}

const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
const recorded = () => stack.broker.audit.filter((e) => e.event === 'upload.recorded');

describe('a form upload with a callback, OSS emulator → broker', () => {
  it('the broker verifies the signed callback, records the actual size, and OSS relays its JSON reply', async () => {
    const auth = await stack.user('alice', 'acme');
    const upload = await formFor(auth, 'forms', { name: 'photo.png', size: 5000, contentType: 'image/png' });
    expect(upload.fields.callback).toBeDefined();
    expect(await bytesOf(auth)).toEqual({ used: 0, reserved: 5000 });

    const file = randomBuffer(3210);
    const res = await post(upload, file);
    expect(res.status, res.body).toBe(200);
    expect(res.contentType).toBe('application/json');
    const reply = JSON.parse(res.body);
    const stored = stack.oss.objects.get(BUCKET, 'cbforms/acme/alice/photo.png');
    expect(stored?.body).toEqual(file);
    expect(reply).toEqual({ key: 'cbforms/acme/alice/photo.png', size: 3210, etag: stored!.etag.replace(/"/g, '') });
    // The reservation (declared 5000) became the actual size (3210).
    expect(await bytesOf(auth)).toEqual({ used: 3210, reserved: 0 });
    expect(
      recorded()
        .filter((e) => e.keys?.[0] === upload.key)
        .map((e) => e.outcome),
    ).toEqual(['recorded']);
  });

  it('a form stores one object once: posted again, the storage refuses it (FileAlreadyExists), counted once', async () => {
    const auth = await stack.user('bob', 'acme');
    const upload = await formFor(auth, 'forms', { name: 'twice.png', size: 1000, contentType: 'image/png' });
    const file = randomBuffer(800);
    const first = await post(upload, file);
    const second = await post(upload, randomBuffer(1000));
    expect(first.status, first.body).toBe(200);
    expect([second.status, code(second.body)], second.body).toEqual([409, 'FileAlreadyExists']);
    expect(storedObject(stack.oss, BUCKET, upload.key)).toEqual(file);
    expect(await bytesOf(auth)).toEqual({ used: 800, reserved: 0 });
    expect(
      recorded()
        .filter((e) => e.keys?.[0] === upload.key)
        .map((e) => e.outcome),
    ).toEqual(['recorded']);
  });

  it('the form pins no-overwrite: dropping the field is refused by the storage', async () => {
    const auth = await stack.user('bob', 'acme');
    const upload = await formFor(auth, 'forms', { name: 'keep.png', size: 100, contentType: 'image/png' });
    const res = await post(upload, randomBuffer(50), (f) => delete f['x-oss-forbid-overwrite']);
    expect([res.status, code(res.body)], res.body).toEqual([403, 'AccessDenied']);
    expect(storedObject(stack.oss, BUCKET, upload.key)).toBeUndefined();
  });

  it('usage goes up with each upload, never past what was stored', async () => {
    const auth = await stack.user('carol', 'acme');
    const a = await formFor(auth, 'forms', { name: 'a.jpg', size: 400, contentType: 'image/jpeg' });
    const b = await formFor(auth, 'forms', { name: 'b.jpg', size: 600, contentType: 'image/jpeg' });
    expect(await bytesOf(auth)).toEqual({ used: 0, reserved: 1000 });
    expect((await post(a, randomBuffer(100))).status).toBe(200);
    expect(await bytesOf(auth)).toEqual({ used: 100, reserved: 600 });
    expect((await post(b, randomBuffer(600))).status).toBe(200);
    expect(await bytesOf(auth)).toEqual({ used: 700, reserved: 0 });
  });
});

describe('a user who makes OSS send forged callbacks (ali-oss PutObject with x-oss-callback)', () => {
  /**
   * The attack: any PutObject may carry a callback template of the uploader's choosing, and OSS signs the callback
   * it sends with the same key as every other. Here the user PutObjects one byte into their own prefix (with a token
   * of the `uploads` profile) and points the callback at the broker with a body naming their own form's grant.
   */
  async function forgedCallback(auth: Record<string, string>, fields: { object: string; grant: string; size: number }) {
    const vended = await stack.vend(auth, { profile: 'uploads', files: [{ name: 'one.png', size: 1, contentType: 'image/png' }] });
    const client = ossClient(vended);
    const body = new URLSearchParams({
      bucket: BUCKET,
      object: fields.object,
      etag: 'FORGED',
      size: String(fields.size),
      mimeType: 'image/png',
      'x:grant': fields.grant,
    });
    try {
      const result = await client.put(`${vended.upload.prefix}one.png`, Buffer.from('x'), {
        callback: { url: callbackUrl, body: body.toString() },
      } as never);
      return { status: 200, data: (result as unknown as { data: unknown }).data };
    } catch (error) {
      return { status: (error as { status?: number }).status, code: (error as { code?: string }).code };
    }
  }

  it('after a genuine 20 kB form upload, a forged callback saying size 0 changes nothing', async () => {
    const auth = await stack.user('mallet', 'acme');
    const upload = await formFor(auth, 'forms', { name: 'real.png', size: 20_000, contentType: 'image/png' });
    expect((await post(upload, randomBuffer(20_000))).status).toBe(200);
    expect(await bytesOf(auth)).toEqual({ used: 20_000, reserved: 0 });

    const forged = await forgedCallback(auth, { object: upload.key, grant: upload.fields['x:grant']!, size: 0 });
    // The broker answers with what the bucket holds (the grant was settled already): OSS relays that.
    expect(forged).toMatchObject({ status: 200, data: { key: upload.key, size: 20_000 } });
    expect(await bytesOf(auth)).toEqual({ used: 20_000, reserved: 0 });
    expect(
      recorded()
        .filter((e) => e.keys?.[0] === upload.key)
        .map((e) => e.outcome),
    ).toEqual(['recorded', 'duplicate']);
  });

  it('a forged callback sent before the upload is refused; the form upload is then counted at the size stored', async () => {
    const auth = await stack.user('mallet2', 'acme');
    const upload = await formFor(auth, 'forms', { name: 'pre.png', size: 5000, contentType: 'image/png' });
    const forged = await forgedCallback(auth, { object: upload.key, grant: upload.fields['x:grant']!, size: 0 });
    // The broker refused it, so OSS tells the uploader 203 CallbackFailed.
    expect(forged).toMatchObject({ status: 203, code: 'CallbackFailed' });
    expect(await bytesOf(auth)).toEqual({ used: 0, reserved: 5000 });

    const res = await post(upload, randomBuffer(4321));
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ key: upload.key, size: 4321 });
    expect(await bytesOf(auth)).toEqual({ used: 4321, reserved: 0 });
  });
});

describe('the policy pins the callback and the grant: the storage refuses an edited form', () => {
  it.each([
    ['the callback field removed', (f: Record<string, string>) => delete f.callback, '0006-00000226'],
    [
      'the callback pointed elsewhere',
      (f: Record<string, string>) => {
        const spec = JSON.parse(Buffer.from(f.callback!, 'base64').toString('utf8'));
        spec.callbackUrl = 'http://127.0.0.1:9/v1/oss-callback';
        f.callback = Buffer.from(JSON.stringify(spec)).toString('base64');
      },
      '0006-00000227',
    ],
    ['the callback body changed', (f: Record<string, string>) => (f.callback = `${f.callback!.slice(0, -4)}AAAA`), '0006-00000227'],
    ['x:grant edited', (f: Record<string, string>) => (f['x:grant'] = changeCharAt(f['x:grant']!, 10)), '0006-00000227'],
    ['x:grant removed', (f: Record<string, string>) => delete f['x:grant'], '0006-00000226'],
  ])('%s: AccessDenied, nothing stored, nothing recorded', async (_what, edit, ec) => {
    const auth = await stack.user('dave', 'acme');
    const upload = await formFor(auth, 'forms', {
      name: `edit-${randomBytes(3).toString('hex')}.png`,
      size: 100,
      contentType: 'image/png',
    });
    const before = await bytesOf(auth);
    const res = await post(upload, randomBuffer(50), edit);
    expect([res.status, code(res.body)], res.body).toEqual([403, 'AccessDenied']);
    expect(res.body).toContain(`<EC>${ec}</EC>`);
    expect(storedObject(stack.oss, BUCKET, upload.key)).toBeUndefined();
    expect(recorded().filter((e) => e.keys?.[0] === upload.key)).toEqual([]);
    expect(await bytesOf(auth)).toEqual(before);
  });
});

describe('the broker unreachable from OSS', () => {
  it('203 CallbackFailed: the object stays stored, and the declared bytes stay reserved', async () => {
    const auth = await stack.user('erin', 'acme');
    const upload = await formFor(auth, 'offline', { name: 'lost.png', size: 900, contentType: 'image/png' });
    const file = randomBuffer(700);
    const res = await post(upload, file);
    expect([res.status, code(res.body)], res.body).toEqual([203, 'CallbackFailed']);
    expect(storedObject(stack.oss, BUCKET, 'offline/acme/erin/lost.png')).toEqual(file);
    expect(recorded().filter((e) => e.keys?.[0] === upload.key)).toEqual([]);
    // Nothing settled the reservation: it holds the declared size until it lapses (docs/api.md, "What each upload path guarantees").
    expect(await bytesOf(auth, 'offline')).toEqual({ used: 0, reserved: 900 });
  });
});
