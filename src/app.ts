/**
 * createApp: the one place the broker is assembled. Outside dependencies (store, STS client, authenticator's
 * key sources, clock) come in as arguments, so tests pass real or fake parts without module mocking.
 */
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import type { BrokerConfig } from './config/schema.js';
import type { KeyValueStore } from './store/types.js';
import type { StsClient } from './sts/types.js';
import { configuredAdminKeys, createAdminKeys, createAdminOidc, type AdminKeys, type Authenticator } from './auth/index.js';
import type { IdentityReadiness } from './sts/identity-readiness.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createLogAuditSink, type AuditSink } from './audit/audit.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { tokenCacheFromConfig, type TokenCache } from './cache/index.js';
import { createByteQuota, createQuotaCounters } from './quotas/index.js';
import { createCredentialService, type RecordHandOut } from './credentials/index.js';
import { requestId } from './http/request-id.js';
import { accessLog } from './http/access-log.js';
import { responseHeaders } from './http/response-headers.js';
import { createRoutes } from './http/routes.js';
import { problemFor, problemHandler } from './http/problem.js';
import { instrumentSts } from './sts/instrument.js';
import { checkProfiles } from './profiles/check-profiles.js';
import { createUploads } from './uploads/index.js';
import { traceRequests } from './tracing/index.js';
import { inOrder } from './http/in-order.js';
import { createAdminApp } from './http/admin.js';
import { createBucketPolicyAdmin } from './http/admin-bucket-policy.js';
import { RedisStore } from './store/index.js';
import {
  createMemoryRevocationBackend,
  createRedisRevocationBackend,
  createRevocations,
  type RevocationBackend,
  type Revocations,
} from './revocation/index.js';
import type { KeyRing } from './secrets/key-ring.js';

export interface AppDeps {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  sts: StsClient;
  authenticator: Authenticator;
  /** 32-byte AES-256-GCM key for cached tokens, or a ring of them while one rotates (secrets/). */
  encryptionKey: Buffer | KeyRing;
  /** The `x:grant` key ring when it comes from KMS; default: `uploads.grantKey` from the configuration. */
  grantKeys?: KeyRing;
  clock?: Clock;
  logger?: Logger;
  audit?: AuditSink;
  metrics?: Metrics;
  /** Extra routes mounted before the 404 handler (local mode: /dev/token and the demo). */
  extraRoutes?: Router;
  /** Where revocations live; default: beside the store (Redis, or memory for the memory store). */
  revocationBackend?: RevocationBackend;
  /** The admin keys when they are refreshed (runtime/admin-keys.ts, from KMS); default: the configuration's. */
  adminKeys?: AdminKeys;
  /** The `cloud_identity` readiness check (runtime/build-deps.ts builds it); without it /readyz does not report one. */
  cloudIdentity?: Pick<IdentityReadiness, 'status'>;
}

export interface BrokerApp {
  app: Express;
  metrics: Metrics;
  logger: Logger;
  /** Shutdown has begun: /readyz answers 503 from now on (runtime/server.ts drains the server after this). */
  startDraining(): void;
  /** Its refresh-ahead rounds (`refreshDue`) and timer (`close`). */
  tokenCache: TokenCache;
  /** The admin API, for its own listener (`server.adminPort`); absent unless that port is configured. */
  admin: Express | undefined;
  /** This replica's view of the revocations (`close` stops its polling). */
  revocations: Revocations;
}

const OPENAPI_PATH = fileURLToPath(new URL('../openapi.yaml', import.meta.url));

const STARTED_AT = Symbol('startedAt');
type TimedResponse = ServerResponse & { [STARTED_AT]?: number };

/**
 * `osb_http_request_duration_seconds` per route and status. Per request: one number on the response and one shared
 * `finish` listener (no closure, no timer object). The histogram's child per route and status (prom-client's
 * `labels()`) is made once: `observe(labels, value)` makes that child's observe closure again on every call
 * (prom-client 15, lib/histogram.js), about a third of what an observation allocated.
 */
function recordHttpLatency(metrics: Metrics): RequestHandler {
  type Observe = (seconds: number) => void;
  const children = new Map<string, Map<number, Observe>>();
  const observerFor = (route: string, status: number): Observe => {
    let byStatus = children.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      children.set(route, byStatus);
    }
    let known = byStatus.get(status);
    if (known === undefined) {
      known = metrics.httpLatency.labels({ route, status: String(status) }).observe;
      byStatus.set(status, known);
    }
    return known;
  };
  function observe(this: TimedResponse): void {
    const startedAt = this[STARTED_AT];
    if (startedAt === undefined) return;
    const route = (this.req as Request).route?.path;
    observerFor(typeof route === 'string' ? route : 'other', this.statusCode)((performance.now() - startedAt) / 1000);
  }
  return function observeLatency(_req, res, next) {
    (res as TimedResponse)[STARTED_AT] = performance.now();
    // 'finish' comes once; `on` rather than `once`, which wraps the listener in a new closure each time.
    res.on('finish', observe);
    next();
  };
}

export function createApp(deps: AppDeps): BrokerApp {
  const { config, store, authenticator, encryptionKey } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const audit = deps.audit ?? createLogAuditSink(logger);
  const metrics = deps.metrics ?? createMetrics();
  // The loader ran these already; a configuration built by hand gets them too (throws ConfigError).
  checkProfiles(config);

  const tokenCache = tokenCacheFromConfig(config, {
    store,
    encryptionKey,
    clock,
    logger,
    onRefresh: (result) => metrics.tokenRefreshAhead.inc({ result }),
  });
  // Revocations live beside everything else the replicas share; in the memory store's single process, in memory.
  const revocationBackend =
    deps.revocationBackend ?? (store instanceof RedisStore ? createRedisRevocationBackend(store) : createMemoryRevocationBackend());
  const revocations = createRevocations({
    backend: revocationBackend,
    clock,
    logger,
    dropCached: (keys) => tokenCache.drop(keys),
    onRecordFailed: () => metrics.handOutRecordFailures.inc(),
  });
  const handedOut: RecordHandOut = (principal, handOut) => revocations.recordHandOut(principal, handOut);
  const sts = instrumentSts(deps.sts, metrics, clock);
  const { admission, ledger } = createQuotaCounters(store, clock);
  const bytes = createByteQuota(config, ledger);
  const credentials = createCredentialService({ config, sts, tokenCache, admission, audit, metrics, clock, handedOut });
  const uploads = createUploads({
    config,
    store,
    sts,
    tokenCache,
    admission,
    bytes,
    audit,
    clock,
    logger,
    handedOut,
    grantKeys: deps.grantKeys,
  });

  const app = express();
  app.disable('x-powered-by');
  // Every API answer is no-store (credentials) or tiny: an ETag (a hash of each body) buys nothing.
  app.set('etag', false);
  app.set('trust proxy', config.server.trustProxy);
  app.locals.profileNames = new Set(Object.keys(config.profiles));
  // What every request passes before its route, in this order, as one handler (in-order.ts).
  app.use(
    inOrder(
      requestId(),
      traceRequests(),
      // Credential requests are logged once, by their audit event (issued, cached, dry run or refused, with the
      // request id, principal, outcome and address); probes and scrapes are not logged at all; everything else gets
      // one line.
      accessLog(logger),
      // helmet's security headers and the CORS headers, worked out once (an allow-list only; never a wildcard).
      responseHeaders({ corsOrigins: config.server.corsOrigins }),
      recordHttpLatency(metrics),
    ),
  );
  let draining = false;
  app.use(
    createRoutes({
      config,
      store,
      admission,
      authenticator,
      credentials,
      uploads,
      audit,
      metrics,
      clock,
      openapiPath: OPENAPI_PATH,
      logger,
      revocations,
      isDraining: () => draining,
      ...(deps.cloudIdentity === undefined ? {} : { cloudIdentity: deps.cloudIdentity }),
    }),
  );
  if (deps.extraRoutes) app.use(deps.extraRoutes);
  app.use(problemFor('not_found', 'no such resource'));
  app.use(problemHandler(logger));
  const { adminPort } = config.server;
  const configuredKeys = configuredAdminKeys(config.server);
  const adminOidc = config.server.adminOidc === undefined ? undefined : createAdminOidc(config.server.adminOidc, { clock });
  const admin =
    adminPort === undefined || (configuredKeys.length === 0 && deps.adminKeys === undefined && adminOidc === undefined)
      ? undefined
      : createAdminApp({
          revocations,
          adminKeys: deps.adminKeys ?? createAdminKeys(() => configuredKeys),
          adminOidc,
          audit,
          clock,
          logger,
          bodyLimitBytes: config.server.bodyLimitBytes,
          bucketPolicy: createBucketPolicyAdmin({ config, sts, store, clock }),
        });
  return {
    app,
    metrics,
    logger,
    tokenCache,
    admin,
    revocations,
    startDraining() {
      draining = true;
    },
  };
}
