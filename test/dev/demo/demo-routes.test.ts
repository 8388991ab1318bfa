/**
 * The demo's routes and local mode's wiring, without a browser: the page and its files are served only in local
 * mode, under a route-level CSP that adds the OSS emulator to connect-src while the app-wide helmet CSP stays as it
 * is; the OSS emulator runs next to the STS emulator and its bucket's CORS lets the broker's page in.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../../dev/local/start-local.js';
import { localBanner } from '../../../dev/local/banner.js';
import { LOCAL_BUCKET } from '../../../dev/local/local-config.js';
import { demoContentSecurityPolicy } from '../../../dev/demo/index.js';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { createApp } from '../../../src/app.js';
import { loadConfigFile } from '../../../src/runtime/load-config.js';
import { buildRuntimeDeps } from '../../../src/runtime/build-deps.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { KeyValueStore } from '../../../src/store/index.js';
import { REDIS_URL } from '../../helpers/broker.js';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../deploy/config.example.yaml', import.meta.url));

const ACCESS_KEY = { id: `LTAItest${randomBytes(6).toString('hex')}`, secret: randomBytes(24).toString('base64url') };

describe('demo routes in local mode', () => {
  let stack: LocalStack;
  const saved = { id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID, secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET };

  beforeAll(async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = ACCESS_KEY.id;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = ACCESS_KEY.secret;
    stack = await startLocalStack({
      ports: { broker: 0, sts: 0, oss: 0 },
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret, LOG_LEVEL: 'silent' },
    });
  });

  afterAll(async () => {
    await stack?.close();
    if (saved.id === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    else process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    else process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = saved.secret;
  });

  it('starts every server on its own ephemeral port, and points the profiles at the OSS emulator (path-style)', () => {
    const ports = new Set([new URL(stack.brokerUrl).port, String(stack.sts.port), String(stack.oss.port)]);
    expect(ports.size).toBe(3);
    expect([...ports].every((p) => Number(p) > 0)).toBe(true);
    for (const name of ['uploads', 'forms', 'partner-read']) {
      expect(stack.config.profiles[name]?.endpoint).toBe(`http://localhost:${stack.oss.port}`);
      expect(stack.config.profiles[name]?.bucket).toBe(LOCAL_BUCKET);
    }
    expect(stack.config.server.port).toBe(Number(new URL(stack.brokerUrl).port));
    expect(stack.demoUrl).toBe(`${stack.brokerUrl}/demo/`);
  });

  it('serves the page under its own CSP: OSS emulator in connect-src, no inline script', async () => {
    const res = await fetch(stack.demoUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' http://localhost:${stack.oss.port} http://127.0.0.1:${stack.oss.port}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    // every <script> has a src and no body
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => /\ssrc=/.test(tag))).toBe(true);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves the script, the stylesheet and the ali-oss browser bundle; /demo redirects', async () => {
    for (const [path, type] of [
      ['/demo/demo.js', /javascript/],
      ['/demo/demo.css', /text\/css/],
      ['/demo/vendor/aliyun-oss-sdk.min.js', /javascript/],
    ] as const) {
      const res = await fetch(stack.brokerUrl + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
    }
    const redirect = await fetch(`${stack.brokerUrl}/demo`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/demo/');
    expect((await fetch(`${stack.brokerUrl}/demo/../package.json`)).status).toBe(404);
    expect((await fetch(`${stack.brokerUrl}/demo/index.html`)).status).toBe(404);
  });

  it('leaves the app-wide helmet CSP as it is on every other route', async () => {
    const res = await fetch(`${stack.brokerUrl}/healthz`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain(String(stack.oss.port));
  });

  it("answers the bucket's CORS preflight for the broker's origin with ETag exposed", async () => {
    for (const origin of [stack.brokerUrl, stack.brokerUrl.replace('127.0.0.1', 'localhost')]) {
      const res = await fetch(`http://localhost:${stack.oss.port}/${LOCAL_BUCKET}/uploads/acme/alice/a.txt`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization,content-type,x-oss-date,x-oss-security-token',
        },
      });
      expect(res.status, origin).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods') ?? '').toContain('PUT');
      expect((res.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain('etag');
    }
    const foreign = await fetch(`http://localhost:${stack.oss.port}/${LOCAL_BUCKET}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the banner links the demo and says what the emulators do', () => {
    const banner = localBanner(stack);
    expect(banner).toContain(`demo page      ${stack.demoUrl}`);
    expect(banner).toContain(`OSS emulator   http://localhost:${stack.oss.port}`);
    expect(banner).toContain('sldEnable: true');
    expect(banner).toContain('session policy');
  });
});

describe('demo routes outside local mode: the production app, assembled as src/main.ts does', () => {
  let app: Express;
  let store: KeyValueStore | undefined;
  let stopIdentityCheck = () => {};
  beforeAll(async () => {
    // The shipped example configuration under production rules (loadConfigFile passes no development relaxations:
    // Redis required, HTTPS STS), secrets from the environment as production takes them. Then main.ts's steps:
    // runtime deps, createApp without extraRoutes. Nothing of local mode is imported on this path.
    const config = loadConfigFile(EXAMPLE_CONFIG, {
      BROKER_REDIS_URL: REDIS_URL,
      BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
      BROKER_GRANT_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    });
    const logger = createLogger(config.logLevel);
    const deps = await buildRuntimeDeps(config, logger);
    store = deps.store;
    stopIdentityCheck = () => deps.cloudIdentity.stop();
    ({ app } = createApp({ ...deps, config, logger }));
  });
  afterAll(async () => {
    stopIdentityCheck();
    await store?.close();
  });

  it('is the production broker on Redis: it answers its own routes', async () => {
    // Read-only routes: the example's key prefix is shared, so this test writes nothing to Redis.
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
    // The production path checks its cloud identity too; whether it has one depends on the machine (usually none).
    const ready = (await request(app).get('/readyz')).body as { checks: Record<string, string> };
    expect(ready.checks).toMatchObject({ config: 'ok', store: 'ok' });
    expect(['ok', 'failed']).toContain(ready.checks.cloud_identity);
  });

  it('does not exist: /demo/ and its files answer 404', async () => {
    for (const path of ['/demo', '/demo/', '/demo/demo.js', '/demo/demo.css', '/demo/vendor/aliyun-oss-sdk.min.js']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('has no development token issuer either', async () => {
    const res = await request(app).post('/dev/token').send({ sub: 'alice', tenant: 'acme' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });
});

describe('demoContentSecurityPolicy', () => {
  it('refuses anything but a bare origin', () => {
    expect(() => demoContentSecurityPolicy(["http://localhost:1; script-src 'unsafe-inline'"])).toThrow(/not an origin/);
    expect(demoContentSecurityPolicy(['http://localhost:9200'])).toContain("connect-src 'self' http://localhost:9200");
  });
});
