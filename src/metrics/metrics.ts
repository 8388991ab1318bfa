/**
 * Prometheus metrics. One registry per app instance (not prom-client's global) so tests and the benchmark can run
 * several brokers in one process. Labels carry only bounded values: outcome codes, profile names, STS codes.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  credentialRequests: Counter<'profile' | 'outcome'>;
  tokenCache: Counter<'result'>;
  tokenRefreshAhead: Counter<'result'>;
  staleServed: Counter<'profile' | 'reason'>;
  stsCalls: Counter<'code'>;
  stsLatency: Histogram<'code'>;
  httpLatency: Histogram<'route' | 'status'>;
}

export function createMetrics(options: { collectDefaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectDefaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    credentialRequests: new Counter({
      name: 'osb_credential_requests_total',
      help: 'Credential requests by profile and outcome (issued, cached, dry_run, or the error code)',
      labelNames: ['profile', 'outcome'],
      registers: [registry],
    }),
    tokenCache: new Counter({
      name: 'osb_token_cache_total',
      help: 'Token cache lookups: hit (served from cache), miss (AssumeRole needed) or stale (served under the floor, STS failing)',
      labelNames: ['result'],
      registers: [registry],
    }),
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
  };
}
