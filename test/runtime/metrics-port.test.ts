/**
 * `server.metricsPort`: the broker assembled as main.ts assembles it (buildRuntimeDeps + createApp), with /metrics
 * on its own listener and a 404 on the public port; and the gauges that only the runtime wiring feeds (the STS
 * breaker state through the real SDK against a scripted STS, the store probe at scrape time).
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { minimalConfig, type RawConfig } from '../../dev/testing/config.js';
import { createApp } from '../../src/app.js';
import { ConfigError } from '../../src/config/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { buildRuntimeDeps, type RuntimeDeps } from '../../src/runtime/build-deps.js';
import { startConfiguredMetricsServer, startMetricsServer, type MetricsServer } from '../../src/runtime/metrics-server.js';
import { createLogger } from '../../src/shared/logger.js';
import { fakeValue, startFakeSts, type FakeSts } from '../sts/helpers/fake-sts-server.js';
import { ManualClock } from '../../dev/testing/clock.js';

const logger = createLogger('silent');

function rawConfig(extra: { metricsPort?: number; stsEndpoint?: string } = {}): RawConfig {
  return minimalConfig({
    server: { host: '127.0.0.1', port: 0, ...(extra.metricsPort === undefined ? {} : { metricsPort: extra.metricsPort }) },
    sts: extra.stsEndpoint
      ? { endpoint: extra.stsEndpoint, maxAttempts: 1, breaker: { failureThreshold: 2, openSeconds: 10 } }
      : { region: 'cn-hangzhou' },
    redis: undefined,
  });
}

/** What the chain reads first: a fake AccessKey, and no way to reach the ECS metadata service from a test. */
function fakeIdentity(): { id: string; secret: string } {
  const key = { id: fakeValue('LTAIfake'), secret: fakeValue('fake-secret-') };
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', key.id);
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', key.secret);
  vi.stubEnv('ALIBABA_CLOUD_SECURITY_TOKEN', undefined);
  vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CLI_PROFILE_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_FILE', join(tmpdir(), 'osb-no-such-credentials'));
  return key;
}

afterEach(() => vi.unstubAllEnvs());

describe('server.metricsPort', () => {
  let deps: RuntimeDeps;
  let metricsServer: MetricsServer;
  let app: ReturnType<typeof createApp>['app'];

  beforeAll(async () => {
    fakeIdentity();
    const config = parseConfig(rawConfig({ metricsPort: 9464 }), { memoryStore: true });
    deps = await buildRuntimeDeps(config, logger, { relax: { memoryStore: true } });
    app = createApp({ ...deps, config, logger }).app;
    // main.ts starts it on server.metricsPort; port 0 here, as every test server listens.
    metricsServer = await startMetricsServer(deps.metrics.registry, 0, '127.0.0.1', logger);
  });

  afterAll(async () => {
    await metricsServer.close();
    await deps.store.close();
  });

  it('the public port answers /metrics with 404 problem+json', async () => {
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_found');
    expect(res.text).not.toContain('osb_');
  });

  it('the metrics port serves the registry, with process metrics and the store probe', async () => {
    await request(app).get('/healthz').expect(200);
    const res = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(body).toContain('# TYPE osb_credential_requests_total counter');
    expect(body).toContain('osb_http_request_duration_seconds_count{route="/healthz",status="200"} 1');
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).toContain('osb_store_up{store="memory"} 1');
    expect(body).toContain('osb_sts_breaker_state 0');
  });

  it('the metrics port serves nothing else', async () => {
    for (const path of ['/healthz', '/v1/credentials', '/metrics/../healthz', '/']) {
      const res = await fetch(`http://127.0.0.1:${metricsServer.port}${path}`);
      expect(res.status, path).toBe(404);
    }
    const post = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('without metricsPort, /metrics stays on the main port and no second listener starts', async () => {
    const config = parseConfig(rawConfig(), { memoryStore: true });
    const plain = createApp({ ...deps, metrics: createMetrics(), config, logger }).app;
    const res = await request(plain).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('osb_credential_requests_total');
    expect(await startConfiguredMetricsServer(config.server, deps.metrics.registry, logger)).toBeUndefined();
  });

  it('refuses a metricsPort equal to the main port, or out of range', () => {
    const same = rawConfig({ metricsPort: 8080 });
    same.server.port = 8080;
    expect(() => parseConfig(same, { memoryStore: true })).toThrow(/server\.metricsPort: must differ from server\.port/);
    for (const bad of [0, 70000, 1.5]) {
      expect(() => parseConfig(rawConfig({ metricsPort: bad }), { memoryStore: true }), String(bad)).toThrow(ConfigError);
    }
  });

  it('a port already taken stops start-up instead of silently serving nothing', async () => {
    await expect(startMetricsServer(deps.metrics.registry, metricsServer.port, '127.0.0.1', logger)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});

describe('osb_store_up is measured at scrape time', () => {
  it('reports 0 when the store does not answer, 1 when it does, and is absent without a probe', async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toMatch(/^osb_store_up\{/m);
    let healthy = false;
    metrics.probeStoreOnScrape('redis', async () => {
      if (!healthy) throw new Error('connection refused');
    });
    expect(await metrics.registry.metrics()).toContain('osb_store_up{store="redis"} 0');
    healthy = true;
    expect(await metrics.registry.metrics()).toContain('osb_store_up{store="redis"} 1');
  });
});

describe('osb_cloud_identity_ready is read at scrape time', () => {
  it("reports the readiness check's last verdict, and is absent until a check reports", async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toMatch(/^osb_cloud_identity_ready/m);
    let ready = false;
    metrics.reportCloudIdentityOnScrape(() => ({ ready }));
    expect(await metrics.registry.metrics()).toMatch(/^osb_cloud_identity_ready 0$/m);
    ready = true;
    expect(await metrics.registry.metrics()).toMatch(/^osb_cloud_identity_ready 1$/m);
  });
});

describe('osb_sts_breaker_state follows the breaker built by buildRuntimeDeps', () => {
  let sts: FakeSts;
  beforeEach(async () => {
    sts = await startFakeSts();
  });
  afterEach(async () => {
    await sts.close();
  });

  it('goes to 2 when consecutive outages open the breaker, and back to 0 once STS answers', async () => {
    const key = fakeIdentity();
    sts.expectSecret(key.secret);
    sts.script({ kind: 'error', status: 500, code: 'InternalError' });
    const clock = new ManualClock(Date.now());
    const config = parseConfig(rawConfig({ stsEndpoint: sts.endpoint }), { memoryStore: true });
    const deps = await buildRuntimeDeps(config, logger, { clock, stsTrustedCa: sts.ca, relax: { memoryStore: true } });
    const gauge = async () => (await deps.metrics.stsBreakerState.get()).values[0]?.value;
    const input = { roleArn: 'acs:ram::123456789012:role/uploader', roleSessionName: 'acme.alice', policy: '{}', durationSeconds: 900 };
    try {
      expect(await gauge()).toBe(0);
      await expect(deps.sts.assumeRole(input)).rejects.toMatchObject({ code: 'upstream_unavailable' });
      expect(await gauge()).toBe(0);
      await expect(deps.sts.assumeRole(input)).rejects.toMatchObject({ code: 'upstream_unavailable' });
      expect(await gauge()).toBe(2);
      expect(sts.requests.every((r) => r.accessKeyId === key.id && r.signatureValid === true)).toBe(true);
      clock.advance(10_000);
      sts.script({ kind: 'ok' });
      await expect(deps.sts.assumeRole(input)).resolves.toMatchObject({ accessKeyId: sts.secrets.accessKeyId });
      expect(await gauge()).toBe(0);
    } finally {
      await deps.store.close();
    }
  });
});
