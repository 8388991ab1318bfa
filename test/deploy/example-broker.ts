/**
 * The broker as deploy/config.example.yaml configures it, on a store the test chooses: fixed test keys from the
 * environment the example reads, and an STS client that is never called (these tests only probe health).
 */
import { join } from 'node:path';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import type { KeyValueStore } from '../../src/store/index.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import { DEPLOY_DIR } from './manifests.js';

export function exampleBroker(store: KeyValueStore): Express {
  const config = loadConfigFile(join(DEPLOY_DIR, 'config.example.yaml'), {
    BROKER_REDIS_URL: 'redis://redis:6379/0',
    BROKER_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    BROKER_GRANT_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  return createApp({
    config,
    store,
    sts: createStsClient({ config: config.sts, credential: accessKeyCredential('LTAIunused', 'unused-secret') }),
    authenticator: createAuthenticator({ clients: config.clients, clock: systemClock }),
    encryptionKey: Buffer.alloc(32, 7),
    logger: createLogger('silent'),
  }).app;
}
