/**
 * Local mode, the embedded default: the broker, the STS emulator and the development token issuer on loopback,
 * with no cloud account. The broker reaches the emulator through the same @alicloud/credentials chain and SDK as
 * in production; only the endpoint and the AccessKey pair (from the environment) differ.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createApp } from '../app.js';
import { createDevIssuer, generateApiKey, hashApiKeySecret, type DevIssuer } from '../auth/index.js';
import { startStsEmulator, type StsEmulator } from '../emulator/sts/index.js';
import { buildRuntimeDeps } from '../runtime/build-deps.js';
import { listen, onShutdown } from '../runtime/server.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { BrokerConfig } from '../config/schema.js';
import type { KeyValueStore } from '../store/types.js';
import { ConfigError } from '../config/config-error.js';
import {
  buildLocalConfig,
  LOCAL_DEV_CLIENT_ID,
  LOCAL_PARTNER_ROLE,
  LOCAL_ROLE_POLICIES,
  LOCAL_UPLOAD_ROLE,
  type LocalPorts,
} from './local-config.js';
import { createDevRoutes } from './dev-routes.js';
import { localBanner } from './banner.js';

export interface LocalStack {
  brokerUrl: string;
  config: Readonly<BrokerConfig>;
  sts: StsEmulator;
  issuer: DevIssuer;
  store: KeyValueStore;
  /** The partner's full `X-Api-Key` value. A secret: shown once in the banner, never logged. */
  partnerApiKey: string;
  /** True when the partner key was generated for this run (not taken from LOCAL_PARTNER_API_KEY). */
  partnerKeyGenerated: boolean;
  close(): Promise<void>;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError([`${name}: not a port number: ${raw}`]);
  return value;
}

/** The broker's own AccessKey pair for the emulator: from the environment, or generated and put there. */
function localAccessKey(env: NodeJS.ProcessEnv): { accessKeyId: string; accessKeySecret: string } {
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (id && secret) return { accessKeyId: id, accessKeySecret: secret };
  const generated = { accessKeyId: `LTAIlocal${randomBytes(8).toString('hex')}`, accessKeySecret: randomBytes(24).toString('base64url') };
  // The credentials default chain reads these variables (facts F, step 1): the same path as production.
  env.ALIBABA_CLOUD_ACCESS_KEY_ID = generated.accessKeyId;
  env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = generated.accessKeySecret;
  return generated;
}

function partnerKey(env: NodeJS.ProcessEnv): { keyId: string; sha256: string; header: string; generated: boolean } {
  const given = env.LOCAL_PARTNER_API_KEY;
  if (given === undefined || given === '') {
    const key = generateApiKey('partner1-local');
    return { keyId: key.keyId, sha256: key.sha256, header: key.header, generated: true };
  }
  const match = /^([A-Za-z0-9_-]{4,64})\.([\x21-\x7e]{8,512})$/.exec(given);
  if (!match) {
    throw new ConfigError(['LOCAL_PARTNER_API_KEY: must be <keyId>.<secret>: keyId 4-64 of A-Z a-z 0-9 _ -, secret 8-512 visible ASCII characters']);
  }
  return { keyId: match[1]!, sha256: hashApiKeySecret(match[2]!), header: given, generated: false };
}

export async function startLocalStack(
  options: { env?: NodeJS.ProcessEnv; ports?: Partial<LocalPorts>; logger?: Logger; stsLatencyMs?: number } = {},
): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const ports: LocalPorts = {
    broker: options.ports?.broker ?? port(env, 'PORT', 8080),
    sts: options.ports?.sts ?? port(env, 'LOCAL_STS_PORT', 9100),
    oss: options.ports?.oss ?? port(env, 'LOCAL_OSS_PORT', 9200),
  };
  const accessKey = localAccessKey(env);
  const partner = partnerKey(env);
  const sts = await startStsEmulator({
    host: '127.0.0.1',
    port: ports.sts,
    accessKeys: [accessKey],
    roles: [
      { arn: LOCAL_UPLOAD_ROLE, maxSessionDurationSeconds: 3600, policy: LOCAL_ROLE_POLICIES[LOCAL_UPLOAD_ROLE] },
      { arn: LOCAL_PARTNER_ROLE, maxSessionDurationSeconds: 3600, policy: LOCAL_ROLE_POLICIES[LOCAL_PARTNER_ROLE] },
    ],
    sealKey: randomBytes(32),
    latencyMs: options.stsLatencyMs,
  });
  const issuer = await createDevIssuer({ issuer: `http://127.0.0.1:${ports.broker}/dev`, audience: 'oss-sts-broker-local' });
  const config = buildLocalConfig({
    ports: { ...ports, sts: sts.port },
    devClient: issuer.clientConfig(LOCAL_DEV_CLIENT_ID),
    partnerKey: partner,
    // Local mode only: a per-run key. Production refuses to start without one (config/load.ts).
    cacheKeyBase64: randomBytes(32).toString('base64'),
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
  });
  const logger = options.logger ?? createLogger(config.logLevel);
  const deps = await buildRuntimeDeps(config, logger, { localJwks: { [LOCAL_DEV_CLIENT_ID]: issuer.jwks } });
  const { app } = createApp({ ...deps, config, logger, extraRoutes: createDevRoutes(issuer) });
  let server: Server;
  try {
    server = await listen(app, ports.broker, '127.0.0.1');
  } catch (error) {
    await sts.close();
    await deps.store.close();
    throw error;
  }
  const address = server.address();
  const brokerPort = typeof address === 'object' && address ? address.port : ports.broker;
  return {
    brokerUrl: `http://127.0.0.1:${brokerPort}`,
    config,
    sts,
    issuer,
    store: deps.store,
    partnerApiKey: partner.header,
    partnerKeyGenerated: partner.generated,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sts.close();
      await deps.store.close();
    },
  };
}

/** `npm start` without BROKER_CONFIG. */
export async function startLocalMode(): Promise<void> {
  const stack = await startLocalStack();
  process.stdout.write(localBanner(stack));
  onShutdown(createLogger('info'), [() => stack.close()]);
}
