/**
 * Prometheus metrics. One registry per app instance (not prom-client's global) so tests and the benchmark can run
 * several brokers in one process. Labels carry only bounded values: outcome codes, profile names, STS codes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PendingCounts } from './pending-counts.js';

/** `osb_sts_breaker_state` values; alerts compare against OPEN. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface Metrics {
  registry: Registry;
  credentialRequests: Counter<'profile' | 'outcome'>;
  tokenCache: Counter<'result'>;
  /**
   * The same two counters for the answers of the credential service, counted without allocating (every cache hit
   * counts in both; pending-counts.ts): added to `credentialRequests` and `tokenCache` when they are collected.
   */
  credentialAnswers: PendingCounts<'profile', 'outcome'>;
  tokenCacheResults: PendingCounts<'result'>;
  tokenRefreshAhead: Counter<'result'>;
  staleServed: Counter<'profile' | 'reason'>;
  stsCalls: Counter<'code'>;
  stsLatency: Histogram<'code'>;
  httpLatency: Histogram<'route' | 'status'>;
  stsBreakerState: Gauge;
  storeUp: Gauge<'store'>;
  /** KMS secret refreshes that failed (the last good version stays in use), by env name (BROKER_CACHE_KEY). */
  secretRefreshFailures: Counter<'secret'>;
  /** When each KMS secret was last read successfully (Unix seconds). */
  secretLastRefresh: Gauge<'secret'>;
  /** Tokens not handed out because their AccessKeyId could not be recorded for the admin list (503s). */
  handOutRecordFailures: Counter;
  /**
   * Makes every scrape ping the shared store and report `osb_store_up{store}`. Scrape-driven on purpose: when Redis
   * is down, /readyz fails, every pod leaves the Service and no request reaches a broker to be counted, so a
   * request-driven signal would go quiet exactly when it matters. Without a probe the series is absent, never 0.
   */
  probeStoreOnScrape(store: string, ping: () => Promise<unknown>): void;
  /**
   * Makes every scrape report `osb_cloud_identity_ready` (1 or 0) from the `cloud_identity` readiness check's last
   * verdict, which never calls STS itself. Scrape-driven for the same reason as the store: a replica without an
   * identity fails /readyz and gets no requests, so nothing request-driven would say why. Absent until called.
   */
  reportCloudIdentityOnScrape(status: () => { ready: boolean }): void;
}

export function createMetrics(options: { collectDefaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectDefaults) collectDefaultMetrics({ register: registry });
  const credentialAnswers = new PendingCounts('profile', 'outcome');
  const tokenCacheResults = new PendingCounts('result');
  let storeProbe: { store: string; ping: () => Promise<unknown> } | undefined;

  const storeUp = new Gauge({
    name: 'osb_store_up',
    help: 'Whether the shared store answered a ping at scrape time (1) or not (0)',
    labelNames: ['store'],
    registers: [registry],
    async collect() {
      if (storeProbe === undefined) return;
      const up = await storeProbe.ping().then(
        () => 1,
        () => 0,
      );
      this.set({ store: storeProbe.store }, up);
    },
  });
  return {
    registry,
    credentialRequests: new Counter({
      name: 'osb_credential_requests_total',
      help: 'Credential requests by profile and outcome (issued, cached, dry_run, or the error code)',
      labelNames: ['profile', 'outcome'],
      registers: [registry],
      collect() {
        credentialAnswers.flushInto(this);
      },
    }),
    credentialAnswers,
    tokenCache: new Counter({
      name: 'osb_token_cache_total',
      help: 'Token cache lookups: hit (served from cache), miss (AssumeRole needed) or stale (served under the floor, STS failing)',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        tokenCacheResults.flushInto(this);
      },
    }),
    tokenCacheResults,
    tokenRefreshAhead: new Counter({
      name: 'osb_token_refresh_ahead_total',
      help: 'Background re-issues of hot tokens: refreshed, adopted (another replica did it), busy (skipped), failed',
      labelNames: ['result'],
      registers: [registry],
    }),
    staleServed: new Counter({
      name: 'osb_token_stale_served_total',
      help: 'Tokens under the reuse floor served (stale: true) because STS could not issue; reason = the STS failure code',
      labelNames: ['profile', 'reason'],
      registers: [registry],
    }),
    stsCalls: new Counter({
      name: 'osb_sts_calls_total',
      help: 'AssumeRole calls by result code (ok or the STS / transport error code)',
      labelNames: ['code'],
      registers: [registry],
    }),
    stsLatency: new Histogram({
      name: 'osb_sts_call_duration_seconds',
      help: 'AssumeRole call latency',
      labelNames: ['code'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpLatency: new Histogram({
      name: 'osb_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    stsBreakerState: new Gauge({
      name: 'osb_sts_breaker_state',
      help: 'STS circuit breaker as of its last transition: 0 closed, 1 half-open, 2 open (refusing calls)',
      registers: [registry],
    }),
    secretRefreshFailures: new Counter({
      name: 'osb_secret_refresh_failures_total',
      help: 'Failed refreshes of a secret read from KMS (the last good version stays in use), by env name',
      labelNames: ['secret'],
      registers: [registry],
    }),
    secretLastRefresh: new Gauge({
      name: 'osb_secret_last_refresh_timestamp_seconds',
      help: 'When a secret read from KMS was last read successfully (Unix seconds), by env name',
      labelNames: ['secret'],
      registers: [registry],
    }),
    handOutRecordFailures: new Counter({
      name: 'osb_handout_record_failures_total',
      help: 'Credentials not handed out (503) because their AccessKeyId could not be recorded for the admin list',
      registers: [registry],
    }),
    storeUp,
    probeStoreOnScrape(store, ping) {
      storeProbe = { store, ping };
    },
    reportCloudIdentityOnScrape(status) {
      // Registered here, not up front: a gauge without labels reads 0 until set, which would say "no identity".
      registry.removeSingleMetric('osb_cloud_identity_ready');
      new Gauge({
        name: 'osb_cloud_identity_ready',
        help: "Whether the broker's own identity last reached STS (1) or not (0): the cloud_identity readiness check",
        registers: [registry],
        collect() {
          this.set(status().ready ? 1 : 0);
        },
      });
    },
  };
}
