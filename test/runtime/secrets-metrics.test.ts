/**
 * KMS secret refreshes reach the metrics the alert rules read: a failed refresh counts in
 * osb_secret_refresh_failures_total{secret}, a successful one sets osb_secret_last_refresh_timestamp_seconds{secret},
 * wired by buildRuntimeDeps as main.ts runs it. The KMS transport is an in-memory reader (the SDK path is
 * test/runtime/kms-entry.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { minimalConfig, randomKey } from '../../dev/testing/config.js';
import { buildRuntimeDeps, type RuntimeDeps } from '../../src/runtime/build-deps.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { createKmsSecrets, SECRET_CHECKS, type KmsSecrets } from '../../src/secrets/index.js';
import { createLogger } from '../../src/shared/logger.js';

let deps: RuntimeDeps;
let secrets: KmsSecrets;
let failing = false;
const cacheKey = randomKey();

beforeAll(async () => {
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', `LTAIfake${randomBytes(8).toString('hex')}`);
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', randomBytes(16).toString('hex'));
  vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CLI_PROFILE_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_FILE', join(tmpdir(), 'osb-no-such-credentials'));
  secrets = createKmsSecrets({
    reader: {
      async read(_name, stage) {
        if (failing) throw Object.assign(new Error('down'), { code: 'ECONNRESET' });
        return stage === 'ACSCurrent' ? { value: cacheKey, versionId: 'v1' } : undefined;
      },
    },
    secrets: new Map([['BROKER_CACHE_KEY', 'broker/cache-key']]),
    checks: SECRET_CHECKS,
    refreshMs: 3_600_000,
  });
  await secrets.load();
  const config = parseConfig(minimalConfig({ redis: undefined, cache: { encryptionKey: cacheKey } }), { memoryStore: true });
  deps = await buildRuntimeDeps(config, createLogger('silent'), { relax: { memoryStore: true }, secrets });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  secrets?.close();
  await deps?.store.close();
});

async function series(name: string): Promise<Array<{ labels: Record<string, unknown>; value: number }>> {
  const metric = (await deps.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('KMS secret refresh metrics', () => {
  it('records the last good read at start, and counts each failed refresh by secret', async () => {
    const [start] = await series('osb_secret_last_refresh_timestamp_seconds');
    expect(start?.labels).toEqual({ secret: 'BROKER_CACHE_KEY' });
    expect(start?.value).toBeGreaterThan(0);
    expect(await series('osb_secret_refresh_failures_total')).toEqual([]);

    failing = true;
    await secrets.refresh();
    await secrets.refresh();
    expect(await series('osb_secret_refresh_failures_total')).toEqual([{ labels: { secret: 'BROKER_CACHE_KEY' }, value: 2 }]);
    // The last good read is still the one from start-up; the key in use is still the one read then.
    expect((await series('osb_secret_last_refresh_timestamp_seconds'))[0]?.value).toBe(start?.value);
    expect(deps.encryptionKey.keys()).toEqual([Buffer.from(cacheKey, 'base64')]);
  });
});
