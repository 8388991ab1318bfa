/**
 * A whole broker for integration tests, assembled from the real modules: the STS emulator (reached through the
 * official SDK), a real store (Redis by default), the dev issuer's real JWTs, a real partner key. Nothing of the
 * project is mocked; tests read the emulator's stats and the audit events the app recorded.
 */
import { randomBytes } from 'node:crypto';
import CredentialModule, { Config as CredentialConfig } from '@alicloud/credentials';
import { capturedLogger } from '../../dev/testing/logger.js';
import { createApp, type BrokerApp } from '../../src/app.js';
import { createAuthenticator, generateApiKey } from '../../src/auth/index.js';
import { createDevIssuer, type DevIssuer } from '../../dev/issuer/dev-issuer.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import { startStsEmulator, type EmulatorRole, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { createStsClient } from '../../src/sts/index.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../src/store/index.js';
import type { AuditEvent } from '../../src/audit/index.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import type { Express } from 'express';
import type { Metrics } from '../../src/metrics/index.js';
import type { TokenCache } from '../../src/cache/index.js';
import { deleteByPrefix, rawClient } from '../store/helpers.js';
import type { KeyRing } from '../../src/secrets/index.js';

// CommonJS with a `default` inside (https://nodejs.org/api/esm.html#commonjs-namespaces); vitest's loader may already have unwrapped it.
type CredentialClass = typeof CredentialModule.default;
const Credential: CredentialClass =
  (CredentialModule as { default?: CredentialClass }).default ?? (CredentialModule as unknown as CredentialClass);

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ACCOUNT = '1234567890123456';
export const UPLOAD_ROLE = `acs:ram::${ACCOUNT}:role/test-uploader`;
export const PARTNER_ROLE = `acs:ram::${ACCOUNT}:role/test-partner`;
export const BUCKET = 'test-bucket';

export interface TestBrokerOptions {
  store?: 'redis' | 'memory';
  /** Share these with another broker (two replicas); otherwise created fresh. */
  shared?: {
    emulator: StsEmulator;
    /** The STS emulator's seal key: an OSS emulator needs it to open the SecurityTokens. */
    sealKey: Buffer;
    issuer: DevIssuer;
    keyPrefix: string;
    cacheKey: string;
    partner: ReturnType<typeof generateApiKey>;
    accessKey: { accessKeyId: string; accessKeySecret: string };
  };
  configPatch?: (config: Record<string, any>) => void;
  clock?: Clock;
  stsLatencyMs?: number;
  /** Start even when Redis cannot be reached (store-failure tests). */
  tolerateStoreDown?: boolean;
  /** Seal key for a fresh STS emulator (so an OSS emulator can be started first); random otherwise. */
  sealKey?: Buffer;
  /** Role policies for a fresh STS emulator's two standard roles (by ARN); none by default, which grants nothing. */
  rolePolicies?: Record<string, object>;
  /** More roles for a fresh STS emulator, e.g. one with its own role policy (intersection tests). */
  extraRoles?: EmulatorRole[];
  /** OSS endpoint returned to clients by every profile that does not set one (an OSS emulator's URL). */
  ossEndpoint?: string;
  /** Key rings for the cache key and the grant key (KMS secrets), instead of the configuration's keys. */
  keyRings?: { encryptionKey: KeyRing; grantKeys?: KeyRing };
}

export interface TestBroker {
  app: Express;
  metrics: Metrics;
  /** Shutdown has begun (the app's readiness fails); see runtime/server.ts for the drain itself. */
  startDraining(): void;
  /** The app's token cache: `refreshDue()` runs a refresh-ahead round now. */
  tokenCache: TokenCache;
  /** The admin API (when the configuration sets server.adminPort) and the replica's view of the revocations. */
  admin: BrokerApp['admin'];
  revocations: BrokerApp['revocations'];
  emulator: StsEmulator;
  issuer: DevIssuer;
  store: KeyValueStore;
  config: Readonly<BrokerConfig>;
  audit: AuditEvent[];
  /** Everything the app logged, as text (to prove secrets never appear). */
  logText(): string;
  partnerKey: string;
  token(sub?: string, tenant?: string, extra?: Record<string, unknown>): Promise<string>;
  shared: NonNullable<TestBrokerOptions['shared']>;
  close(): Promise<void>;
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const clock = options.clock ?? systemClock;
  const shared =
    options.shared ??
    (await (async () => {
      const accessKey = {
        accessKeyId: `LTAItest${randomBytes(6).toString('hex')}`,
        accessKeySecret: randomBytes(20).toString('base64url'),
      };
      const sealKey = options.sealKey ?? randomBytes(32);
      const emulator = await startStsEmulator({
        accessKeys: [accessKey],
        roles: [
          ...[UPLOAD_ROLE, PARTNER_ROLE].map((arn) => {
            const policy = options.rolePolicies?.[arn];
            return { arn, maxSessionDurationSeconds: 3600, ...(policy ? { policy } : {}) };
          }),
          ...(options.extraRoles ?? []),
        ],
        sealKey,
        latencyMs: options.stsLatencyMs,
      });
      return {
        emulator,
        sealKey,
        accessKey,
        issuer: await createDevIssuer({ issuer: 'https://issuer.test/', audience: 'broker-test' }),
        keyPrefix: `osbtest:${randomBytes(4).toString('hex')}:`,
        cacheKey: randomBytes(32).toString('base64'),
        partner: generateApiKey('pk_test_partner'),
      };
    })());
  const raw: Record<string, any> = {
    clients: [
      shared.issuer.clientConfig('web'),
      { id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: shared.partner.keyId, sha256: shared.partner.sha256 }] },
    ],
    profiles: {
      uploads: {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn: UPLOAD_ROLE,
        prefix: 'uploads/${tenant}/${sub}/',
        operations: ['put', 'multipart'],
        fileTypes: { extensions: ['png', 'jpg'], contentTypes: ['image/png', 'image/jpeg'] },
        maxSizeBytes: 1024 * 1024,
        maxFiles: 3,
        clients: ['web'],
      },
      exact: {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn: UPLOAD_ROLE,
        prefix: 'exact/${tenant}/${sub}/',
        operations: ['put'],
        scope: 'keys',
        keyNaming: 'original',
        maxFiles: 2,
        clients: ['web'],
      },
      'partner-read': {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn: PARTNER_ROLE,
        externalId: 'partner-ext-1',
        prefix: 'partners/${tenant}/',
        operations: ['get', 'list'],
        durationSeconds: 1800,
        clients: ['partner'],
      },
    },
    // Generous deadlines: CI runs on two shared cores with Chromium and several servers busy at once. The deadline
    // behaviour itself is tested in test/store and test/sts with servers that never answer.
    sts: {
      endpoint: shared.emulator.endpoint,
      timeoutMs: 4000,
      maxAttempts: 3,
      maxCallsPerSecond: 1000,
      accountCallsPerSecond: 100,
    },
    redis: { url: REDIS_URL, keyPrefix: shared.keyPrefix, commandTimeoutMs: 2000 },
    cache: { encryptionKey: shared.cacheKey },
    logLevel: 'info',
  };
  options.configPatch?.(raw);
  if (options.ossEndpoint !== undefined) {
    for (const profile of Object.values<Record<string, unknown>>(raw.profiles)) profile.endpoint ??= options.ossEndpoint;
  }
  if (options.store === 'memory') delete raw.redis.url;
  // Production rules refuse a missing Redis; some tests run on the memory store, so they pass local mode's
  // relaxation: the code path is the same.
  const config = parseConfig(raw, { memoryStore: true });

  let store: KeyValueStore;
  if (options.store === 'memory') store = new MemoryStore({ clock });
  else {
    const redis = RedisStore.fromConfig(config.redis);
    await redis.connect().catch((error: unknown) => {
      if (!options.tolerateStoreDown) throw error;
    });
    store = redis;
  }
  const { logger, text: logText } = capturedLogger('debug');
  const audit: AuditEvent[] = [];
  const credential = new Credential(new CredentialConfig({ type: 'access_key', ...shared.accessKey }));
  const { app, metrics, startDraining, tokenCache, admin, revocations } = createApp({
    config,
    store,
    // HTTPS as in production; the emulator's one-run CA is trusted in code (SdkClientOptions.trustedCa).
    sts: createStsClient({ config: config.sts, clock, credential, trustedCa: shared.emulator.ca, store }),
    authenticator: createAuthenticator({ clients: config.clients, clock, localJwks: { web: shared.issuer.jwks } }),
    encryptionKey: options.keyRings?.encryptionKey ?? Buffer.from(shared.cacheKey, 'base64'),
    ...(options.keyRings?.grantKeys ? { grantKeys: options.keyRings.grantKeys } : {}),
    clock,
    logger,
    audit: { record: (event) => audit.push(event) },
  });
  return {
    app,
    metrics,
    startDraining,
    tokenCache,
    admin,
    revocations,
    emulator: shared.emulator,
    issuer: shared.issuer,
    store,
    config,
    audit,
    logText,
    partnerKey: shared.partner.header,
    token: (sub = 'alice', tenant = 'acme', extra) => shared.issuer.issue({ sub, tenant, ...(extra ? { extraClaims: extra } : {}) }),
    shared,
    async close() {
      tokenCache.close();
      await revocations.close();
      await store.close();
      if (options.shared) return;
      await shared.emulator.close();
      // The replica that created the shared state removes its keys (tokens, locks, counters) from Redis.
      const raw = rawClient();
      try {
        await deleteByPrefix(raw, shared.keyPrefix);
      } catch {
        // Redis may be the thing a test took away; its keys all carry TTLs anyway.
      } finally {
        raw.disconnect();
      }
    },
  };
}
