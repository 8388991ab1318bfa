/**
 * End to end: credentials vended by the broker, used by the real ali-oss client against the OSS emulator, which
 * verifies the signature and the sealed STS token and evaluates the session policy. What these tests show is that
 * the *storage* refuses what the token was not meant to reach (security property 1), not only the broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKET,
  OTHER_BUCKET,
  expectAccessDenied,
  ossClient,
  ossFailure,
  randomBuffer,
  startStack,
  storedObject,
  type Stack,
  type Vended,
} from './stack.js';
import { changeCharAt } from '../../dev/testing/tamper.js';

let stack: Stack;
let alice: Vended;
beforeAll(async () => {
  stack = await startStack();
  alice = await stack.vend(await stack.user('alice', 'acme'), {
    profile: 'uploads',
    files: [{ name: 'me.png', size: 48211, contentType: 'image/png' }],
  });
});
afterAll(async () => stack?.close());

describe('a user writes inside their own prefix', () => {
  it('hands out the emulator as the endpoint and the user prefix', () => {
    expect(alice.upload).toMatchObject({ bucket: BUCKET, endpoint: stack.oss.endpointPathStyle, prefix: 'uploads/acme/alice/' });
  });

  it('puts an object (signature V1, path-style) and the bytes are in the emulator', async () => {
    const body = randomBuffer(4096);
    const key = `${alice.upload.prefix}photo.png`;
    const result = await ossClient(alice).put(key, body);
    expect(result.res.status).toBe(200);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(body);
  });

  it('uploads a >100 KiB buffer in several parts with multipartUpload', async () => {
    const body = randomBuffer(350 * 1024);
    const key = `${alice.upload.prefix}big.png`;
    const progress: number[] = [];
    const parts = () => stack.oss.stats.byOperation.UploadPart ?? 0;
    const partsBefore = parts();
    const result = await ossClient(alice).multipartUpload(key, body, {
      partSize: 100 * 1024,
      parallel: 2,
      progress: async (p: number) => {
        progress.push(p);
      },
    });
    expect(result.res.status).toBe(200);
    // Initiate, 4 parts (3 × 100 KiB + 50 KiB), complete: ali-oss reports progress after each part.
    expect(progress.filter((p) => p > 0 && p < 1).length).toBeGreaterThanOrEqual(3);
    expect(parts() - partsBefore).toBe(4);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(body);
  });

  it('writes with OSS signature V4 (authorizationV4), put and multipart', async () => {
    const client = ossClient(alice, { v4: true });
    const small = randomBuffer(1024);
    await client.put(`${alice.upload.prefix}v4.png`, small);
    expect(storedObject(stack.oss, BUCKET, `${alice.upload.prefix}v4.png`)).toEqual(small);
    const big = randomBuffer(220 * 1024);
    await client.multipartUpload(`${alice.upload.prefix}v4-big.jpg`, big, { partSize: 100 * 1024 });
    expect(storedObject(stack.oss, BUCKET, `${alice.upload.prefix}v4-big.jpg`)).toEqual(big);
  });

  it('writes with host-style addressing (IP endpoint, bucket from the Host header)', async () => {
    const body = randomBuffer(2048);
    const key = `${alice.upload.prefix}host-style.png`;
    await ossClient(alice, { hostStyle: true }).put(key, body);
    expect(storedObject(stack.oss, BUCKET, key)).toEqual(body);
  });

  it('accepts the UPPERCASE variant of an allowed extension (cameras write IMG_0001.JPG)', async () => {
    const body = randomBuffer(512);
    await ossClient(alice).put(`${alice.upload.prefix}IMG_0001.JPG`, body);
    expect(storedObject(stack.oss, BUCKET, `${alice.upload.prefix}IMG_0001.JPG`)).toEqual(body);
  });
});

describe('the same token is refused by the storage outside its grant', () => {
  const cases: Array<[string, string]> = [
    ['another user of the same tenant', 'uploads/acme/bob/x.png'],
    ['the same user name in another tenant', 'uploads/globex/alice/x.png'],
    ['the tenant directory above the user prefix', 'uploads/acme/x.png'],
    ['the bucket root', 'x.png'],
    ['a sibling prefix that shares the text of the user prefix', 'uploads/acme/alice2/x.png'],
  ];
  for (const [what, key] of cases) {
    it(`put to ${what} (${key}) → AccessDenied, nothing stored`, async () => {
      await expectAccessDenied(ossClient(alice).put(key, randomBuffer(100)));
      expect(storedObject(stack.oss, BUCKET, key)).toBeUndefined();
    });
  }

  it('multipartUpload to another user prefix → AccessDenied at initiate', async () => {
    const key = 'uploads/acme/bob/big.png';
    await expectAccessDenied(ossClient(alice).multipartUpload(key, randomBuffer(150 * 1024), { partSize: 100 * 1024 }));
    expect(storedObject(stack.oss, BUCKET, key)).toBeUndefined();
  });

  it('put to another bucket, even under the same prefix → AccessDenied', async () => {
    const key = `${alice.upload.prefix}x.png`;
    await expectAccessDenied(ossClient(alice, { bucket: OTHER_BUCKET }).put(key, randomBuffer(100)));
    expect(storedObject(stack.oss, OTHER_BUCKET, key)).toBeUndefined();
  });

  it('a disallowed file type under the user own prefix → AccessDenied (put and multipart)', async () => {
    const exe = `${alice.upload.prefix}tool.exe`;
    await expectAccessDenied(ossClient(alice).put(exe, randomBuffer(100)));
    await expectAccessDenied(
      ossClient(alice).multipartUpload(`${alice.upload.prefix}tool2.exe`, randomBuffer(150 * 1024), { partSize: 100 * 1024 }),
    );
    // A name that merely contains an allowed extension is not an allowed file type.
    await expectAccessDenied(ossClient(alice).put(`${alice.upload.prefix}photo.png.exe`, randomBuffer(100)));
    expect(storedObject(stack.oss, BUCKET, exe)).toBeUndefined();
  });

  it('refusals hold with signature V4 and with host-style addressing too', async () => {
    await expectAccessDenied(ossClient(alice, { v4: true }).put('uploads/acme/bob/v4.png', randomBuffer(100)));
    await expectAccessDenied(ossClient(alice, { hostStyle: true }).put('uploads/acme/bob/host.png', randomBuffer(100)));
    await expectAccessDenied(
      ossClient(alice, { hostStyle: true, bucket: OTHER_BUCKET }).put(`${alice.upload.prefix}h.png`, randomBuffer(100)),
    );
  });

  it('operations the profile does not grant (get, list, delete) → AccessDenied even inside the prefix', async () => {
    const key = `${alice.upload.prefix}mine.png`;
    await ossClient(alice).put(key, randomBuffer(64));
    const client = ossClient(alice);
    await expectAccessDenied(client.get(key));
    await expectAccessDenied(client.list({ prefix: alice.upload.prefix, 'max-keys': 10 }, {}));
    await expectAccessDenied(client.delete(key));
    expect(storedObject(stack.oss, BUCKET, key)).toBeDefined();
  });

  it('a key that climbs out of the prefix with ".." is refused and lands nowhere', async () => {
    const error = await ossFailure(ossClient(alice).put(`${alice.upload.prefix}../bob/climb.png`, randomBuffer(64)));
    // ali-oss signs the key as given, but its HTTP client (WHATWG URL) resolves the dot segment before sending, so
    // the request arrives for uploads/acme/bob/climb.png with a signature over alice/../bob: the emulator checks the
    // signature against what it received and refuses. (The emulator's own `..` rule, InvalidObjectName, is never
    // reached through ali-oss.)
    expect({ code: error.code, status: error.status }).toEqual({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(storedObject(stack.oss, BUCKET, 'uploads/acme/bob/climb.png')).toBeUndefined();
    expect(storedObject(stack.oss, BUCKET, `${alice.upload.prefix}../bob/climb.png`)).toBeUndefined();
  });

  it('a token whose secret is changed by one character fails the signature check', async () => {
    const secret = alice.credentials.accessKeySecret;
    const tampered: Vended = {
      ...alice,
      credentials: { ...alice.credentials, accessKeySecret: changeCharAt(secret, 0) },
    };
    const error = await ossFailure(ossClient(tampered).put(`${alice.upload.prefix}sig.png`, randomBuffer(64)));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });
});

describe('a keys-scoped token', () => {
  it('writes exactly its declared keys and nothing else under the same prefix', async () => {
    const dave = await stack.vend(await stack.user('dave', 'acme'), { profile: 'exact', files: [{ name: 'a.txt' }, { name: 'b.txt' }] });
    expect(dave.upload.keys).toEqual(['exact/acme/dave/a.txt', 'exact/acme/dave/b.txt']);
    const client = ossClient(dave);
    for (const key of dave.upload.keys ?? []) {
      const body = randomBuffer(256);
      await client.put(key, body);
      expect(storedObject(stack.oss, BUCKET, key)).toEqual(body);
    }
    for (const key of ['exact/acme/dave/c.txt', 'exact/acme/dave/a.txt.bak', 'exact/acme/dave/', 'exact/acme/eve/a.txt']) {
      await expectAccessDenied(client.put(key, randomBuffer(16)));
    }
    // V4 and host-style do not widen it either.
    await expectAccessDenied(ossClient(dave, { v4: true }).put('exact/acme/dave/c.txt', randomBuffer(16)));
    await expectAccessDenied(ossClient(dave, { hostStyle: true }).put('exact/acme/dave/c.txt', randomBuffer(16)));
    expect(storedObject(stack.oss, BUCKET, 'exact/acme/dave/c.txt')).toBeUndefined();
  });
});
