/**
 * Local mode, the embedded default: the broker, the STS emulator, the OSS emulator, the development token issuer
 * and the demo page on loopback, with no cloud account. The broker reaches the STS emulator through the same
 * @alicloud/credentials chain and SDK, over HTTPS, as in production; only the endpoint, the AccessKey pair (from the
 * environment) and the CA it trusts (the emulator's, made for the run) differ. The OSS emulator shares the STS emulator's seal key, so it can open the tokens the STS
 * emulator issues and enforce their session policies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.js';
import { generateCredentialUrl } from '../../src/auth/index.js';
import { createDevIssuer, type DevIssuer } from '../issuer/dev-issuer.js';
import { startStsEmulator, type StsEmulator } from '../emulator/sts/index.js';
import { buildRuntimeDeps } from '../../src/runtime/build-deps.js';
import { startOssEmulator, type OssEmulator } from '../emulator/oss/index.js';
import { createDemoRoutes } from '../demo/index.js';
import { closeServer, onShutdown } from '../../src/runtime/server.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import type { KeyValueStore } from '../../src/store/types.js';
import {
  buildLocalConfig,
  LOCAL_BUCKET,
  LOCAL_CREDENTIAL_URL_PROFILE,
  LOCAL_DEV_CLIENT_ID,
  LOCAL_PARTNER_ROLE,
  LOCAL_PARTNER_TENANT,
  LOCAL_PARTNER_UPLOAD_ROLE,
  LOCAL_RELAXATIONS,
  LOCAL_ROLE_POLICIES,
  LOCAL_UPLOAD_ROLE,
  type LocalPorts,
} from './local-config.js';
import type { KmsEmulator } from '../emulator/kms/index.js';
import { localKmsWanted, relaunchTrustingKmsCa, startLocalKms } from './local-kms.js';
import { Router } from 'express';
import { createDevRoutes } from './dev-routes.js';
import { localBanner } from './banner.js';
import { bindingPort } from './port-in-use.js';
import { localAccessKey, partnerKey, port } from './local-env.js';
import { type LocalStateFiles, writeLocalState } from './local-state.js';

export interface LocalStack {
  brokerUrl: string;
  config: Readonly<BrokerConfig>;
  sts: StsEmulator;
  /** The OSS emulator: bucket `local-bucket`, path-style at `http://localhost:<port>`. */
  oss: OssEmulator;
  /** With LOCAL_KMS=1: the KMS emulator the cache key and the grant key are read from. */
  kms?: KmsEmulator;
  /** The demo page, `${brokerUrl}/demo/`. */
  demoUrl: string;
  issuer: DevIssuer;
  store: KeyValueStore;
  /** The partner's full `X-Api-Key` value. A secret: shown once in the banner, never logged. */
  partnerApiKey: string;
  /** True when the partner key was generated for this run (not taken from LOCAL_PARTNER_API_KEY). */
  partnerKeyGenerated: boolean;
  /** The admin API, on its own loopback listener, and its key (a secret: shown once in the banner). */
  adminUrl: string;
  adminKey: string;
  /** True when the admin key was generated for this run (not taken from LOCAL_ADMIN_KEY). */
  adminKeyGenerated: boolean;
  /** The AccessKey the STS emulator accepts; `generated` when it was made for this run (then the banner prints it). */
  accessKey: { accessKeyId: string; accessKeySecret: string; generated: boolean };
  /** This run's credentials URL: profile `partner-upload`, read-write under `prefix`. A secret, like the partner key. */
  credentialUrl: { url: string; profile: string; prefix: string };
  /** The port the production configuration of `stateFiles` listens on (LOCAL_PROD_PORT). */
  productionPort: number;
  /** With a state directory: the files a second process needs (local-state.ts). */
  stateFiles?: LocalStateFiles;
  close(): Promise<void>;
}

/** Listens before the app exists, so that port 0 works: the real port goes into the issuer, CORS and the config. */
function listenEarly(
  port: number,
  host: string,
): Promise<{ server: Server; port: number; attach(app: (req: IncomingMessage, res: ServerResponse) => void): void }> {
  let handler = (_req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = 503;
    res.setHeader('retry-after', '1');
    res.end('starting\n');
  };
  const server = createServer((req, res) => handler(req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        attach(app) {
          handler = app;
        },
      });
    });
  });
}

/** The bucket's CORS: the broker's page (both loopback spellings) may use every method the demo needs. */
function localBucketCors(brokerPort: number) {
  return [
    {
      allowedOrigins: [`http://127.0.0.1:${brokerPort}`, `http://localhost:${brokerPort}`],
      allowedMethods: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'],
      allowedHeaders: ['*'],
      exposeHeaders: ['ETag', 'x-oss-request-id'],
      maxAgeSeconds: 600,
    },
  ];
}

export interface LocalStackOptions {
  env?: NodeJS.ProcessEnv;
  ports?: Partial<LocalPorts> & { kms?: number; production?: number };
  logger?: Logger;
  stsLatencyMs?: number;
  /** Where to write what a second process needs (local-state.ts); nothing is written without it. */
  stateDir?: string;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const ports: Required<LocalPorts> = {
    broker: options.ports?.broker ?? port(env, 'PORT', 8080),
    sts: options.ports?.sts ?? port(env, 'LOCAL_STS_PORT', 9100),
    oss: options.ports?.oss ?? port(env, 'LOCAL_OSS_PORT', 9200),
    // A broker on a free port (tests) gets its admin API on a free port too, so stacks can run side by side.
    admin: options.ports?.admin ?? port(env, 'LOCAL_ADMIN_PORT', options.ports?.broker === 0 ? 0 : 8081),
  };
  const kmsPort = options.ports?.kms ?? port(env, 'LOCAL_KMS_PORT', 9300);
  const productionPort = options.ports?.production ?? port(env, 'LOCAL_PROD_PORT', 8090);
  const accessKey = localAccessKey(env);
  const partner = partnerKey(env);
  // One per run, like the partner key: local mode mints it, so trying a credentials URL needs no configuration.
  const credentialUrl = generateCredentialUrl();
  const givenAdminKey = env.LOCAL_ADMIN_KEY;
  const adminKey = givenAdminKey === undefined || givenAdminKey === '' ? randomBytes(24).toString('base64url') : givenAdminKey;
  // Shared by both emulators: the STS emulator seals its tokens with it, the OSS emulator opens them.
  const sealKey = randomBytes(32);
  const cleanup: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // keep closing the rest
      }
    }
  };

  try {
    const broker = await bindingPort('PORT', ports.broker, () => listenEarly(ports.broker, '127.0.0.1'));
    cleanup.push(() => closeServer(broker.server));
    const sts = await bindingPort('LOCAL_STS_PORT', ports.sts, () =>
      startStsEmulator({
        host: '127.0.0.1',
        port: ports.sts,
        accessKeys: [{ accessKeyId: accessKey.accessKeyId, accessKeySecret: accessKey.accessKeySecret }],
        roles: [
          { arn: LOCAL_UPLOAD_ROLE, maxSessionDurationSeconds: 3600, policy: LOCAL_ROLE_POLICIES[LOCAL_UPLOAD_ROLE] },
          { arn: LOCAL_PARTNER_ROLE, maxSessionDurationSeconds: 3600, policy: LOCAL_ROLE_POLICIES[LOCAL_PARTNER_ROLE] },
          {
            arn: LOCAL_PARTNER_UPLOAD_ROLE,
            maxSessionDurationSeconds: 3600,
            policy: LOCAL_ROLE_POLICIES[LOCAL_PARTNER_UPLOAD_ROLE],
          },
        ],
        sealKey,
        latencyMs: options.stsLatencyMs,
      }),
    );
    cleanup.push(() => sts.close());
    const oss = await bindingPort('LOCAL_OSS_PORT', ports.oss, () =>
      startOssEmulator({
        host: '127.0.0.1',
        port: ports.oss,
        sealKey,
        buckets: [{ name: LOCAL_BUCKET, cors: localBucketCors(broker.port) }],
      }),
    );
    cleanup.push(() => oss.close());
    // LOCAL_KMS=1: the cache key and the grant key come from the KMS emulator, read and refreshed as in production.
    const kms = localKmsWanted(env)
      ? await bindingPort('LOCAL_KMS_PORT', kmsPort, () => startLocalKms(env, kmsPort, accessKey))
      : undefined;
    if (kms) {
      cleanup.push(() => kms.emulator.close());
      cleanup.push(async () => kms.secrets.close());
    }

    const adminListener = await bindingPort('LOCAL_ADMIN_PORT', ports.admin, () => listenEarly(ports.admin, '127.0.0.1'));
    cleanup.push(() => closeServer(adminListener.server));
    const actualPorts: LocalPorts = { broker: broker.port, sts: sts.port, oss: oss.port, admin: adminListener.port };
    const issuer = await createDevIssuer({ issuer: `http://127.0.0.1:${broker.port}/dev`, audience: 'oss-sts-broker-local' });
    const devClient = issuer.clientConfig(LOCAL_DEV_CLIENT_ID);
    const urlEntry = { id: credentialUrl.id, sha256: credentialUrl.sha256 };
    const config = buildLocalConfig({
      ports: actualPorts,
      devClient,
      partnerKey: partner,
      credentialUrl: urlEntry,
      // Local mode only: a per-run key. Production refuses to start without one (config/cross-checks.ts).
      cacheKeyBase64: kms?.secrets.current('BROKER_CACHE_KEY') ?? randomBytes(32).toString('base64'),
      grantKeyBase64: kms?.secrets.current('BROKER_GRANT_KEY'),
      adminKeySha256: createHash('sha256').update(adminKey, 'utf8').digest('hex'),
      redisUrl: env.REDIS_URL,
      logLevel: env.LOG_LEVEL,
    });
    const logger = options.logger ?? createLogger(config.logLevel);
    // HTTPS to the STS emulator as in production; its one-run CA is trusted in code (SdkClientOptions.trustedCa).
    const deps = await buildRuntimeDeps(config, logger, {
      localJwks: { [LOCAL_DEV_CLIENT_ID]: issuer.jwks },
      relax: LOCAL_RELAXATIONS,
      stsTrustedCa: sts.ca,
      ...(kms ? { secrets: kms.secrets } : {}),
    });
    cleanup.push(() => deps.store.close());
    cleanup.push(async () => deps.cloudIdentity.stop());
    const brokerUrl = `http://127.0.0.1:${broker.port}`;
    const localUrl = {
      url: `${brokerUrl}/v1/credentials/${LOCAL_CREDENTIAL_URL_PROFILE}?format=alibaba&credential=${credentialUrl.param}`,
      profile: LOCAL_CREDENTIAL_URL_PROFILE,
      prefix: `partners/${LOCAL_PARTNER_TENANT}/`,
    };
    const stateFiles =
      options.stateDir === undefined
        ? undefined
        : writeLocalState({
            dir: options.stateDir,
            stsCa: sts.ca,
            jwks: issuer.jwks,
            devClient,
            ports: { ...actualPorts, production: productionPort },
            partnerKey: partner,
            credentialUrl: urlEntry,
            generatedAccessKey: accessKey.generated ? accessKey : undefined,
          });
    const extraRoutes = Router();
    extraRoutes.use(createDevRoutes(issuer, localUrl));
    extraRoutes.use(createDemoRoutes({ ossOrigins: [`http://localhost:${oss.port}`, `http://127.0.0.1:${oss.port}`] }));
    const { app, admin, revocations } = createApp({ ...deps, config, logger, extraRoutes });
    cleanup.push(() => revocations.close());
    broker.attach(app);
    if (admin) adminListener.attach(admin);
    // close() runs the steps in reverse: move the broker's to the end so it stops accepting requests first.
    cleanup.push(cleanup.shift()!);
    return {
      brokerUrl,
      demoUrl: `${brokerUrl}/demo/`,
      config,
      sts,
      oss,
      issuer,
      store: deps.store,
      partnerApiKey: partner.header,
      partnerKeyGenerated: partner.generated,
      adminUrl: `http://127.0.0.1:${adminListener.port}`,
      adminKey,
      adminKeyGenerated: adminKey !== givenAdminKey,
      accessKey,
      credentialUrl: localUrl,
      productionPort,
      ...(stateFiles ? { stateFiles } : {}),
      ...(kms ? { kms: kms.emulator } : {}),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** LOCAL_STATE_DIR, or `.local/` in the checkout (git-ignored). */
function localStateDir(env: NodeJS.ProcessEnv): string {
  const given = env.LOCAL_STATE_DIR;
  return given === undefined || given === '' ? fileURLToPath(new URL('../../.local/', import.meta.url)) : given;
}

/** `npm start` without BROKER_CONFIG. */
export async function startLocalMode(): Promise<void> {
  // LOCAL_KMS=1: this process only starts the one that trusts the KMS emulator's CA, and exits with it.
  const relaunched = await relaunchTrustingKmsCa();
  if (relaunched !== undefined) process.exit(relaunched);
  const stack = await startLocalStack({ stateDir: localStateDir(process.env) });
  process.stdout.write(localBanner(stack));
  onShutdown(createLogger('info'), [() => stack.close()]);
}
