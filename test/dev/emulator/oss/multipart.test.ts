/**
 * The multipart set through ali-oss (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js): multipartUpload end to end, listParts, abort, and the Complete
 * errors (InvalidPart, InvalidPartOrder, NoSuchUpload, EntityTooSmall, MalformedXML).
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BUCKET, MODES, emulatorForFile, ossClient, thrown } from './helpers.js';

const { env, creds } = emulatorForFile();

describe.each(MODES)('$name', (mode) => {
  it('multipartUpload assembles the parts in order', async () => {
    const client = ossClient(env.oss, creds, mode);
    const data = randomBytes(350 * 1024);
    const key = `users/alice/mp-${mode.style}-${mode.v4}.bin`;
    const result = await client.multipartUpload(key, data, { partSize: 100 * 1024, parallel: 3 });
    expect(result.res.status).toBe(200);
    const stored = env.oss.objects.get(BUCKET, key);
    expect(stored?.body.equals(data)).toBe(true);
    // Multipart ETag: md5 of the parts' binary md5s, "-N" (4 parts).
    expect(stored?.etag).toMatch(/^"[0-9A-F]{32}-4"$/);
    const head = await client.head(key);
    expect((head.res.headers as Record<string, string>)['x-oss-object-type']).toBe('Multipart');
  });

  it('initiate, upload a part, list parts, abort', async () => {
    const client = ossClient(env.oss, creds, mode);
    const key = `users/alice/abort-${mode.style}-${mode.v4}.bin`;
    const init = await client.initMultipartUpload(key);
    expect(init.uploadId).toMatch(/^[0-9A-F]{32}$/);
    const part = randomBytes(1000);
    const up = await client.uploadPart(key, init.uploadId, 1, part, 0, part.length);
    expect(up.etag).toBe(`"${createHash('md5').update(part).digest('hex').toUpperCase()}"`);
    const parts = await client.listParts(key, init.uploadId, {} as never);
    const listed = Array.isArray(parts.parts) ? parts.parts : [parts.parts];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ PartNumber: '1', Size: '1000', ETag: up.etag });
    const aborted = await client.abortMultipartUpload(key, init.uploadId);
    expect((aborted as unknown as { res: { status: number } }).res.status).toBe(204);
    const again = await thrown(() => client.listParts(key, init.uploadId, {} as never));
    expect(again.code).toBe('NoSuchUpload');
    expect(again.status).toBe(404);
  });
});

describe('CompleteMultipartUpload refusals', () => {
  async function twoParts(key: string) {
    const client = ossClient(env.oss, creds, { style: 'path', v4: true });
    const init = await client.initMultipartUpload(key);
    const p1 = randomBytes(100 * 1024);
    const p2 = randomBytes(10);
    const u1 = await client.uploadPart(key, init.uploadId, 1, p1, 0, p1.length);
    const u2 = await client.uploadPart(key, init.uploadId, 2, p2, 0, p2.length);
    return { client, uploadId: init.uploadId, e1: u1.etag, e2: u2.etag };
  }

  it('a wrong ETag or a missing part is InvalidPart', async () => {
    const { client, uploadId, e1 } = await twoParts('users/alice/c1.bin');
    const err = await thrown(() =>
      client.completeMultipartUpload('users/alice/c1.bin', uploadId, [
        { number: 1, etag: e1 },
        { number: 2, etag: '"00000000000000000000000000000000"' },
      ]),
    );
    expect(err.code).toBe('InvalidPart');
    const missing = await thrown(() => client.completeMultipartUpload('users/alice/c1.bin', uploadId, [{ number: 3, etag: e1 }]));
    expect(missing.code).toBe('InvalidPart');
  });

  it('parts out of order are InvalidPartOrder', async () => {
    const { client, uploadId, e1, e2 } = await twoParts('users/alice/c2.bin');
    // ali-oss sorts the list itself, so send the XML by the low-level request API.
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part></CompleteMultipartUpload>`;
    const err = await thrown(() => completeRaw(client, 'users/alice/c2.bin', uploadId, xml));
    expect(err.code).toBe('InvalidPartOrder');
    const bad = await thrown(() => completeRaw(client, 'users/alice/c2.bin', uploadId, '<Nope/>'));
    expect(bad.code).toBe('MalformedXML');
  });

  it('a small part that is not the last is EntityTooSmall; an unknown upload is NoSuchUpload', async () => {
    const { client, uploadId, e1, e2 } = await twoParts('users/alice/c3.bin');
    const small = randomBytes(10);
    const u3 = await client.uploadPart('users/alice/c3.bin', uploadId, 3, small, 0, small.length);
    const err = await thrown(() =>
      client.completeMultipartUpload('users/alice/c3.bin', uploadId, [
        { number: 1, etag: e1 },
        { number: 2, etag: e2 },
        { number: 3, etag: u3.etag },
      ]),
    );
    expect(err.code).toBe('EntityTooSmall');
    const ok = await client.completeMultipartUpload('users/alice/c3.bin', uploadId, [
      { number: 1, etag: e1 },
      { number: 2, etag: e2 },
    ]);
    expect(ok.res.status).toBe(200);
    expect(env.oss.objects.get(BUCKET, 'users/alice/c3.bin')?.body.length).toBe(100 * 1024 + 10);
    const gone = await thrown(() => client.completeMultipartUpload('users/alice/c3.bin', uploadId, [{ number: 1, etag: e1 }]));
    expect(gone.code).toBe('NoSuchUpload');
  });

  it('multipart outside the prefix is AccessDenied at Initiate', async () => {
    const client = ossClient(env.oss, creds, { style: 'host', v4: false });
    const err = await thrown(() => client.multipartUpload('users/bob/big.bin', randomBytes(200 * 1024), { partSize: 100 * 1024 }));
    expect(err.code).toBe('AccessDenied');
  });
});

/** POST ?uploadId with a caller-chosen body, signed by ali-oss's own request path. */
async function completeRaw(client: ReturnType<typeof ossClient>, key: string, uploadId: string, xml: string) {
  const c = client as unknown as {
    _objectRequestParams(method: string, name: string, options: object): Record<string, unknown>;
    request(params: Record<string, unknown>): Promise<unknown>;
  };
  const params = c._objectRequestParams('POST', key, { subres: { uploadId }, headers: { 'Content-Type': 'application/xml' } });
  params.content = Buffer.from(xml);
  params.successStatuses = [200];
  return c.request(params);
}
