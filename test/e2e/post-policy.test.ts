/**
 * End to end: forms signed by the broker (POST /v1/post-policy), posted as real multipart/form-data with fetch and
 * FormData (what a browser does) to the OSS emulator, which verifies the V4 signature with the STS token and checks
 * every policy condition. The point: what the form pins is refused by the *storage*, not by the broker.
 *
 * The profile here has no upload callback: these cases are about the form. The callback-field cases and the
 * emulator → broker callback are in upload-callback.test.ts.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, randomBuffer, startStack, storedObject, type Stack } from './stack.js';
import type { PostPolicyResponse } from '../../src/uploads/index.js';

const FORM_LIFETIME_SECONDS = 300;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    configPatch: (c) => {
      c.profiles.forms = {
        ...c.profiles.uploads,
        prefix: 'forms/${tenant}/${sub}/',
        postPolicy: { formLifetimeSeconds: FORM_LIFETIME_SECONDS },
      };
    },
  });
});
afterAll(async () => stack?.close());

type Upload = PostPolicyResponse['uploads'][number];

async function formsFor(sub: string, files: Array<{ name: string; size: number; contentType: string }>): Promise<PostPolicyResponse> {
  const res = await request(stack.broker.app)
    .post('/v1/post-policy')
    .set(await stack.user(sub, 'acme'))
    .send({ profile: 'forms', files });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as PostPolicyResponse;
}

/** The browser way: every field in order, then the file; `edit` changes what a misbehaving client would. */
async function post(
  upload: Upload,
  file: Buffer,
  edit: (fields: Record<string, string>) => void = () => {},
): Promise<{ status: number; body: string }> {
  const fields = { ...upload.fields };
  edit(fields);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)], { type: fields['Content-Type'] ?? 'application/octet-stream' }), 'upload.bin');
  const res = await fetch(upload.url, { method: 'POST', body: form });
  return { status: res.status, body: await res.text() };
}

const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

describe('a form upload through the OSS emulator', () => {
  it('stores exactly the declared key with the declared type, at up to the declared size', async () => {
    const { uploads } = await formsFor('alice', [
      { name: 'me.png', size: 2048, contentType: 'image/png' },
      { name: 'small.jpg', size: 1000, contentType: 'image/jpeg' },
    ]);
    expect(uploads[0]!.url).toBe(`${stack.oss.endpointPathStyle}/${BUCKET}`);
    const exact = randomBuffer(2048);
    expect((await post(uploads[0]!, exact)).status).toBe(200);
    expect(storedObject(stack.oss, BUCKET, 'forms/acme/alice/me.png')).toEqual(exact);
    expect(stack.oss.objects.get(BUCKET, 'forms/acme/alice/me.png')?.contentType).toBe('image/png');
    // content-length-range is [0, declared]: smaller is fine.
    expect((await post(uploads[1]!, randomBuffer(10))).status).toBe(200);
    expect(stack.oss.objects.get(BUCKET, 'forms/acme/alice/small.jpg')?.contentType).toBe('image/jpeg');
  });

  it('one byte over the declared size: EntityTooLarge from the storage, nothing stored', async () => {
    const [upload] = (await formsFor('bob', [{ name: 'big.png', size: 1000, contentType: 'image/png' }])).uploads;
    const res = await post(upload!, randomBuffer(1001));
    expect([res.status, code(res.body)]).toEqual([400, 'EntityTooLarge']);
    expect(storedObject(stack.oss, BUCKET, upload!.key)).toBeUndefined();
  });

  it('another Content-Type than declared: AccessDenied by the policy condition', async () => {
    const [upload] = (await formsFor('carol', [{ name: 'x.png', size: 100, contentType: 'image/png' }])).uploads;
    const res = await post(upload!, randomBuffer(50), (f) => {
      f['Content-Type'] = 'text/html';
    });
    expect([res.status, code(res.body)]).toEqual([403, 'AccessDenied']);
    expect(res.body).toContain('Policy Condition failed: ["eq", "$content-type", "image/png"]');
    expect(storedObject(stack.oss, BUCKET, upload!.key)).toBeUndefined();
  });

  it.each([
    ['another name in the same prefix', 'forms/acme/dave/other.png'],
    ["another user's prefix", 'forms/acme/alice/me.png'],
    ['a key with ${filename}', 'forms/acme/dave/${filename}'],
  ])('another key (%s): AccessDenied by the policy condition', async (_what, key) => {
    const [upload] = (await formsFor('dave', [{ name: 'mine.png', size: 100, contentType: 'image/png' }])).uploads;
    const before = storedObject(stack.oss, BUCKET, key.replace('${filename}', 'upload.bin'));
    const res = await post(upload!, randomBuffer(50), (f) => {
      f.key = key;
    });
    expect([res.status, code(res.body)]).toEqual([403, 'AccessDenied']);
    expect(res.body).toContain('Policy Condition failed: ["eq", "$key", "forms/acme/dave/mine.png"]');
    expect(storedObject(stack.oss, BUCKET, key.replace('${filename}', 'upload.bin'))).toEqual(before);
  });

  it('an expired form (the storage clock moved past its expiration): AccessDenied "Policy expired."', async () => {
    // A fresh principal gets a fresh token (900 s), so the form (300 s) expires well before the token does.
    const res0 = await formsFor('erin', [{ name: 'late.png', size: 100, contentType: 'image/png' }]);
    const expiresIn = Date.parse(res0.expiration) - Date.parse(res0.serverTime);
    expect(expiresIn).toBeLessThanOrEqual(FORM_LIFETIME_SECONDS * 1000);
    stack.ossClock.offsetMs = expiresIn + 30_000;
    try {
      const res = await post(res0.uploads[0]!, randomBuffer(10));
      expect([res.status, code(res.body)]).toEqual([403, 'AccessDenied']);
      expect(res.body).toContain('Invalid according to Policy: Policy expired.');
    } finally {
      stack.ossClock.offsetMs = 0;
    }
    expect(storedObject(stack.oss, BUCKET, res0.uploads[0]!.key)).toBeUndefined();
  });

  it('an edited policy (a larger size limit, re-encoded): SignatureDoesNotMatch', async () => {
    const [upload] = (await formsFor('frank', [{ name: 'p.png', size: 100, contentType: 'image/png' }])).uploads;
    const res = await post(upload!, randomBuffer(5000), (f) => {
      const doc = JSON.parse(Buffer.from(f.policy!, 'base64').toString('utf8'));
      doc.conditions = doc.conditions.map((c: unknown) =>
        Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 0, 1e9] : c,
      );
      f.policy = Buffer.from(JSON.stringify(doc)).toString('base64');
    });
    expect([res.status, code(res.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(storedObject(stack.oss, BUCKET, upload!.key)).toBeUndefined();
  });

  it('a form whose token was removed is refused (the token is part of the signature)', async () => {
    const [upload] = (await formsFor('gina', [{ name: 't.png', size: 100, contentType: 'image/png' }])).uploads;
    const res = await post(upload!, randomBuffer(5), (f) => {
      delete f['x-oss-security-token'];
    });
    expect(res.status).toBe(403);
    expect(storedObject(stack.oss, BUCKET, upload!.key)).toBeUndefined();
  });
});
