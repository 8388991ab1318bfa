/**
 * The configuration a pod gets from deploy/kubernetes (the ConfigMap's config.yaml, the Secret example's values as
 * mounted files, the container's environment) is accepted by the broker: loadConfigFile with the production rules,
 * then createApp, which also refuses profiles whose smallest session policy cannot fit STS's limit.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { ConfigError } from '../../src/config/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { MemoryStore } from '../../src/store/index.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import { renderPodFiles } from './pod-files.js';

describe('the pod configuration from deploy/kubernetes', () => {
  it('loads with the production rules, secrets taken from the mounted Secret files', () => {
    const { env, secret } = renderPodFiles();
    expect(env.BROKER_CONFIG).toMatch(/\/etc\/oss-sts-broker\/config\.yaml$/);
    const config = loadConfigFile(env.BROKER_CONFIG!, env);
    expect(config.redis.url).toBe(secret.stringData['redis-url']);
    expect(config.cache.encryptionKey).toBe(secret.stringData['cache-key']);
    expect(config.uploads.grantKey).toBe(secret.stringData['grant-key']);
    expect(Buffer.from(config.cache.encryptionKey!, 'base64')).toHaveLength(32);
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8080, metricsPort: 9090 });
    expect(Object.keys(config.profiles)).toEqual(['avatars', 'documents', 'team-files', 'partner-read']);
  });

  it('the broker starts on it: createApp accepts the profiles, and /metrics is off the public port', async () => {
    const { env } = renderPodFiles();
    const config = loadConfigFile(env.BROKER_CONFIG!, env);
    const { app } = createApp({
      config,
      store: new MemoryStore(),
      // Built exactly as in production but with a throwaway key: nothing here calls STS.
      sts: createStsClient({ config: config.sts, credential: accessKeyCredential('LTAIunused', 'unused-secret') }),
      authenticator: createAuthenticator({ clients: config.clients, clock: systemClock }),
      encryptionKey: Buffer.from(config.cache.encryptionKey!, 'base64'),
      logger: createLogger('silent'),
    });
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
    await request(app).get('/metrics').expect(404);
  });

  it('a Secret without the cache key stops start-up, naming the variable', () => {
    const { env, root } = renderPodFiles();
    rmSync(join(root, '/run/secrets/broker/cache-key'));
    expect(() => loadConfigFile(env.BROKER_CONFIG!, env)).toThrow(ConfigError);
    expect(() => loadConfigFile(env.BROKER_CONFIG!, env)).toThrow(/BROKER_CACHE_KEY_FILE/);
  });
});
