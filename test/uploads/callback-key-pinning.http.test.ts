/**
 * The callback public key is pinned to exact URLs, over HTTP with the OSS emulator: unauthenticated callbacks that
 * name other key URLs on the emulator's own host (any of which a host allow-list accepted) are refused with 403
 * before anything is fetched, so they can neither push the real key out of memory nor use up its fetches; the
 * emulator's next genuine callback verifies and its upload is counted. A key URL that serves the right key inside a
 * page is no key. Real Redis, the real broker modules, the emulator's own signing key.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostPolicyResponse } from '../../src/uploads/index.js';
import { BUCKET, startStack, type Stack } from '../e2e/stack.js';
import { callbackBody, ossCallbackSignature, startKeyServer, type KeyServer } from './helpers.js';

const CALLBACK_PATH = '/v1/oss-callback';
const b64 = (text: string) => Buffer.from(text).toString('base64');

let stack: Stack;
let front: Server;
let pageKeys: KeyServer;
beforeAll(async () => {
  // The broker as OSS reaches it: a loopback server bound first, so the callback URL can name its port.
  front = createServer();
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;
  pageKeys = await startKeyServer('/page_pub_key.pem');
  pageKeys.mode = 'key-in-page';
  stack = await startStack({
    configPatch: (c, { oss }) => {
      c.profiles.forms = {
        ...c.profiles.uploads,
        prefix: 'pinned/${tenant}/${sub}/',
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 300, callback: { url: `http://127.0.0.1:${port}${CALLBACK_PATH}` } },
        quota: { bytesPerPrincipal: [{ limitBytes: 100_000, windowSeconds: 3600 }] },
      };
      c.uploads = { grantKey: randomBytes(32).toString('base64'), callbackPublicKeyUrls: [oss.callbackPublicKeyUrl, pageKeys.url] };
    },
  });
  front.on('request', stack.broker.app);
});
afterAll(async () => {
  await stack?.close();
  await pageKeys?.close();
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
});

type Upload = PostPolicyResponse['uploads'][number];

async function formFor(auth: Record<string, string>, name: string, size: number): Promise<Upload> {
  const res = await request(stack.broker.app)
    .post('/v1/post-policy')
    .set(auth)
    .send({ profile: 'forms', files: [{ name, size, contentType: 'image/png' }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as PostPolicyResponse).uploads[0] as Upload;
}

/** The form posted to the OSS emulator as a browser does; the emulator then calls the broker back. */
async function upload(form: Upload, bytes: number): Promise<{ status: number; body: string }> {
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append('file', new Blob([new Uint8Array(randomBytes(bytes))], { type: 'image/png' }), 'f.png');
  const res = await fetch(form.url, { method: 'POST', body: data });
  return { status: res.status, body: await res.text() };
}

async function usedBytes(auth: Record<string, string>): Promise<number> {
  const res = await request(stack.broker.app).get('/v1/usage?profile=forms').set(auth);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.bytes[0].usedBytes as number;
}

/** A callback for `form`'s object, signed with `privateKey`, naming `keyUrl` - sent straight to the broker. */
function callbackNaming(keyUrl: string, form: Upload, privateKey: Parameters<typeof ossCallbackSignature>[0]) {
  const body = callbackBody({ bucket: BUCKET, object: form.key, etag: 'F0RGED', size: 1, grant: form.fields['x:grant']! });
  return request(stack.broker.app)
    .post(CALLBACK_PATH)
    .set('content-type', 'application/x-www-form-urlencoded')
    .set('authorization', ossCallbackSignature(privateKey, CALLBACK_PATH, body))
    .set('x-oss-pub-key-url', b64(keyUrl))
    .send(body);
}

const recorded = (key: string) => stack.broker.audit.filter((e) => e.event === 'upload.recorded' && e.keys?.[0] === key);

describe('the callback key URL is pinned', () => {
  it('sixteen callbacks naming other key URLs on the key host are refused before any fetch; genuine uploads still count', async () => {
    const { oss } = stack;
    const keyUrl = new URL(oss.callbackPublicKeyUrl);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const otherUrls = Array.from(
      { length: 16 },
      (_, i) =>
        [
          `${keyUrl.origin}/${BUCKET}/attacker-${i}.pem`,
          `${keyUrl.href}?v=${i}`,
          `${keyUrl.origin}/.well-known/oss-callback-public-key-${i}.pem`,
          `${keyUrl.href.replace('127.0.0.1', 'localhost')}#${i}`,
        ][i % 4]!,
    );
    const auth = await stack.user('pinned', 'acme');
    const forms = [await formFor(auth, 'one.png', 2000), await formFor(auth, 'two.png', 3000)];
    const keyFetches = () => oss.stats.byOperation.GetCallbackPublicKey ?? 0;

    /** The attack: each refused with 403 callback_rejected, and the emulator (the key host) sees no request at all. */
    async function attack(form: Upload) {
      const requestsBefore = oss.stats.requests;
      for (const url of otherUrls) {
        const res = await callbackNaming(url, form, attacker);
        expect([res.status, res.body.code], url).toEqual([403, 'callback_rejected']);
        expect(res.body.detail).toContain('not allowed');
      }
      expect(oss.stats.requests).toBe(requestsBefore);
      expect(recorded(form.key)).toEqual([]);
    }

    // Before the broker has ever fetched the key: the attack spends none of its fetches.
    await attack(forms[0]!);
    expect(keyFetches()).toBe(0);
    const first = await upload(forms[0]!, 1500);
    expect(first.status, first.body).toBe(200);
    expect(await usedBytes(auth)).toBe(1500);
    expect(keyFetches()).toBe(1);

    // With the key in memory: the attack does not push it out (the next callback needs no fetch).
    await attack(forms[1]!);
    const second = await upload(forms[1]!, 2500);
    expect(second.status, second.body).toBe(200);
    expect(await usedBytes(auth)).toBe(4000);
    expect(keyFetches()).toBe(1);
    expect(recorded(forms[1]!.key).map((e) => e.outcome)).toEqual(['recorded']);
  });

  it('an allowed key URL that serves the key inside a page is no key: 503, nothing recorded', async () => {
    const auth = await stack.user('paged', 'acme');
    const form = await formFor(auth, 'page.png', 1000);
    // Signed with the very key the page contains: only the file check stands in the way.
    const res = await callbackNaming(pageKeys.url, form, pageKeys.privateKey);
    expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([503, 'public_key_unavailable']);
    expect(pageKeys.hits.get('/page_pub_key.pem')).toBe(1);
    expect(recorded(form.key)).toEqual([]);
    expect(await usedBytes(auth)).toBe(0);
  });
});
