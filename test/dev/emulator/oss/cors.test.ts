/**
 * Bucket CORS: preflight answered without authentication from the bucket's rules; actual requests from an allowed
 * origin expose ETag and x-oss-request-id (ali-oss multipart in a browser reads ETag, https://github.com/ali-sdk/ali-oss#browser-usage).
 */
import { describe, expect, it } from 'vitest';
import { BUCKET, OTHER_BUCKET, emulatorForFile, ossClient, raw, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();

describe('preflight', () => {
  it('an allowed origin, method and headers get 200 with the CORS headers', async () => {
    const res = await raw(env.oss, {
      method: 'OPTIONS',
      path: `/${BUCKET}/users/alice/x.txt`,
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'Content-Type, x-oss-date, x-oss-security-token, authorization',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://app.example');
    expect(res.headers['access-control-allow-methods']).toBe('GET, PUT, POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-oss-date, x-oss-security-token, authorization');
    expect(res.headers['access-control-expose-headers']).toBe('ETag, x-oss-request-id');
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('host-style preflight works the same', async () => {
    const res = await raw(env.oss, {
      method: 'OPTIONS',
      path: '/users/alice/x.txt',
      headers: { host: `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`, origin: 'http://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(200);
  });

  it('a foreign origin, a disallowed method, or a bucket without rules → 403 AccessForbidden', async () => {
    const cases = [
      { bucket: BUCKET, origin: 'http://evil.example', method: 'PUT' },
      { bucket: BUCKET, origin: 'http://app.example', method: 'DELETE' },
      { bucket: OTHER_BUCKET, origin: 'http://app.example', method: 'PUT' },
    ];
    for (const c of cases) {
      const res = await raw(env.oss, {
        method: 'OPTIONS',
        path: `/${c.bucket}/k`,
        headers: { origin: c.origin, 'access-control-request-method': c.method },
      });
      expect(res.status).toBe(403);
      expect(xmlCode(res.body)).toBe('AccessForbidden');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('actual requests', () => {
  it('an upload from an allowed origin exposes ETag; a foreign origin gets no CORS headers', async () => {
    const client = ossClient(env.oss, creds);
    const ok = await client.put('users/alice/cors.txt', Buffer.from('c'), { headers: { Origin: 'http://app.example' } });
    const h = ok.res.headers as Record<string, string>;
    expect(h['access-control-allow-origin']).toBe('http://app.example');
    expect(h['access-control-expose-headers']).toContain('ETag');
    expect(h['access-control-expose-headers']).toContain('x-oss-request-id');
    expect(h.etag).toBeTruthy();
    const foreign = await client.put('users/alice/cors.txt', Buffer.from('c'), { headers: { Origin: 'http://evil.example' } });
    expect((foreign.res.headers as Record<string, string>)['access-control-allow-origin']).toBeUndefined();
  });

  it('errors carry the CORS headers too, so a page can read the refusal', async () => {
    const res = await raw(env.oss, {
      method: 'PUT',
      path: `/${BUCKET}/users/alice/x`,
      headers: { origin: 'http://app.example' },
      body: 'x',
    });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBe('http://app.example');
  });
});
