/**
 * Local mode's form path, as a newcomer meets it: `npm start`'s stack (in-memory store), a development JWT, a
 * signed form for the forms-only `forms` profile posted with fetch + FormData to the OSS emulator, and GET
 * /v1/usage accounting for the declared bytes. The profile carries an upload callback to this broker; whether the
 * emulator has already called back (used) or not (reserved), the declared bytes are accounted for exactly once.
 * `forms` hands out no token, and `uploads` (tokens) signs no form.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local/start-local.js';
import { LOCAL_BUCKET, LOCAL_UPLOAD_BYTES_PER_DAY, localCallbackPublicKeyUrl } from '../../dev/local/local-config.js';

const saved = { ...process.env };
let stack: LocalStack;

beforeAll(async () => {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = `LTAIformtest${randomBytes(4).toString('hex')}`;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = randomBytes(24).toString('base64url');
  stack = await startLocalStack({ ports: { broker: 0, sts: 0, oss: 0 }, env: { ...process.env, REDIS_URL: '', LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.close();
  process.env = saved;
});

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(`${stack.brokerUrl}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.method === 'GET' ? {} : { body: JSON.stringify(init.body ?? {}) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON the broker answered
  return { status: res.status, body: (await res.json()) as any };
}

describe('local mode: form uploads', () => {
  it('configures the forms profile, forms only, with a callback to this broker and trusts only the emulator’s key URL', () => {
    const profile = stack.config.profiles.forms!;
    expect(profile.paths).toEqual(['form']);
    expect(stack.config.profiles.uploads!.paths).toEqual(['sts']);
    expect(stack.config.profiles.uploads!.postPolicy).toBeUndefined();
    expect(profile.postPolicy?.callback?.url).toBe(`${stack.brokerUrl}/v1/oss-callback`);
    expect(profile.quota?.bytesPerPrincipal).toEqual([{ limitBytes: LOCAL_UPLOAD_BYTES_PER_DAY, windowSeconds: 86400 }]);
    expect(localCallbackPublicKeyUrl(stack.oss.port)).toBe(stack.oss.callbackPublicKeyUrl);
    expect(stack.config.uploads.callbackPublicKeyUrls).toEqual([stack.oss.callbackPublicKeyUrl]);
  });

  it('signs a form that the OSS emulator accepts, and usage accounts for the declared bytes', async () => {
    const { body: dev } = await call('/dev/token', { body: { sub: 'alice', tenant: 'acme' } });
    const auth = { authorization: `Bearer ${dev.token}` };
    const forms = await call('/v1/post-policy', {
      headers: auth,
      body: { profile: 'forms', files: [{ name: 'note.txt', size: 11, contentType: 'text/plain' }] },
    });
    expect(forms.status, JSON.stringify(forms.body)).toBe(200);
    const [upload] = forms.body.uploads;
    expect(upload.url).toBe(`http://localhost:${stack.oss.port}/${LOCAL_BUCKET}`);
    // keyNaming random: the broker names the object, keeping the extension.
    expect(upload.key).toMatch(/^forms\/acme\/alice\/[A-Za-z0-9_-]{8,64}\.txt$/);
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields as Record<string, string>)) form.append(k, v);
    form.append('file', new Blob(['hello world'], { type: 'text/plain' }), 'note.txt');
    const res = await fetch(upload.url, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    // The emulator relays the broker's callback reply: the upload was counted with its actual size.
    expect(await res.json()).toMatchObject({ key: upload.key, size: 11 });
    expect(stack.oss.objects.get(LOCAL_BUCKET, upload.key)?.body.toString()).toBe('hello world');
    const usage = await call('/v1/usage?profile=forms', { method: 'GET', headers: auth });
    expect(usage.status).toBe(200);
    const [day] = usage.body.bytes;
    expect(day.usedBytes + day.reservedBytes).toBe(11);
  });

  it('hands out no token for forms (403 forms_only), and signs no form for uploads (400 post_policy_not_enabled)', async () => {
    const { body: dev } = await call('/dev/token', { body: { sub: 'bob', tenant: 'acme' } });
    const auth = { authorization: `Bearer ${dev.token}` };
    const token = await call('/v1/credentials', { headers: auth, body: { profile: 'forms' } });
    expect({ status: token.status, code: token.body.code }).toEqual({ status: 403, code: 'forms_only' });
    const got = await call('/v1/credentials/forms', { method: 'GET', headers: auth });
    expect({ status: got.status, code: got.body.code }).toEqual({ status: 403, code: 'forms_only' });
    const form = await call('/v1/post-policy', {
      headers: auth,
      body: { profile: 'uploads', files: [{ name: 'note.txt', size: 11, contentType: 'text/plain' }] },
    });
    expect({ status: form.status, code: form.body.code }).toEqual({ status: 400, code: 'post_policy_not_enabled' });
  });
});
