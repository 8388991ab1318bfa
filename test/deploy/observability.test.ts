/**
 * deploy/prometheus alert rules and the deploy/grafana dashboard only use what the broker exports: every PromQL
 * expression is parsed with Prometheus' own grammar (@prometheus-io/lezer-promql), and every metric it selects, every
 * label it matches on and every known label value is looked up in the registry of a broker assembled as main.ts
 * assembles it (buildRuntimeDeps + createApp). Histogram series (_bucket, _sum, _count) are derived from the
 * registry's histograms.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { minimalConfig } from '../../dev/testing/config.js';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { ERROR_TABLE } from '../../src/errors.js';
import { buildRuntimeDeps, type RuntimeDeps } from '../../src/runtime/build-deps.js';
import { createLogger } from '../../src/shared/logger.js';
import { DEPLOY_DIR } from './manifests.js';

interface ExportedSeries {
  /** Label names a selector may match on (the metric's own; `le` on buckets, `quantile` on summaries). */
  labels: Set<string>;
}

/** Labels Prometheus attaches to every scraped series (target labels from the ServiceMonitor / scrape config). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];

/** Label values the broker can emit, where the set is closed. */
const KNOWN_VALUES: Record<string, Set<string>> = {
  outcome: new Set(['issued', 'cached', 'dry_run', ...Object.keys(ERROR_TABLE)]),
  result: new Set(['hit', 'miss']),
  store: new Set(['redis', 'memory']),
};

let deps: RuntimeDeps;
const exported = new Map<string, ExportedSeries>();

beforeAll(async () => {
  // buildRuntimeDeps logs the credential source: give the chain a fake AccessKey and no way to the metadata service.
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', `LTAIfake${randomBytes(8).toString('hex')}`);
  vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', randomBytes(16).toString('hex'));
  vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CLI_PROFILE_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_FILE', join(tmpdir(), 'osb-no-such-credentials'));
  const config = parseConfig(minimalConfig({ redis: undefined }), { memoryStore: true });
  const logger = createLogger('silent');
  deps = await buildRuntimeDeps(config, logger, { relax: { memoryStore: true } });
  const { metrics } = createApp({ ...deps, config, logger });
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const own = ((metrics.registry.getSingleMetric(metric.name) as { labelNames?: string[] })?.labelNames ?? []) as string[];
    const labels = new Set([...own, ...TARGET_LABELS]);
    const type = String(metric.type);
    if (type === 'histogram') {
      exported.set(`${metric.name}_bucket`, { labels: new Set([...labels, 'le']) });
      exported.set(`${metric.name}_sum`, { labels });
      exported.set(`${metric.name}_count`, { labels });
    } else if (type === 'summary') {
      exported.set(metric.name, { labels: new Set([...labels, 'quantile']) });
      exported.set(`${metric.name}_sum`, { labels });
      exported.set(`${metric.name}_count`, { labels });
    } else {
      exported.set(metric.name, { labels });
    }
  }
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await deps.store.close();
});

interface Selector {
  metric: string;
  matchers: Array<{ label: string; op: string; value: string }>;
}

/** Grafana's variables are not PromQL: replace them the way Grafana would before the query is sent. */
function substituteGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, 'value');
}

/** Parses with Prometheus' grammar; throws on any syntax error; returns every vector selector. */
function selectorsOf(expr: string): Selector[] {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      const matchers: Selector['matchers'] = [];
      const list = node.node.getChild('LabelMatchers');
      for (const m of list?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = m.getChild('LabelName');
        const op = m.getChild('MatchOp');
        const value = m.getChild('StringLiteral');
        if (label && op && value) {
          matchers.push({
            label: expr.slice(label.from, label.to),
            op: expr.slice(op.from, op.to),
            value: JSON.parse(expr.slice(value.from, value.to)) as string,
          });
        }
      }
      const nameMatcher = matchers.find((m) => m.label === '__name__' && m.op === '=');
      const metric = identifier ? expr.slice(identifier.from, identifier.to) : nameMatcher?.value;
      if (metric === undefined) errors.push(`a selector without a metric name: ${expr.slice(node.from, node.to)}`);
      else selectors.push({ metric, matchers: matchers.filter((m) => m.label !== '__name__') });
    },
  });
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return selectors;
}

/** Every problem with an expression's selectors against the registry; empty when all is exported. */
function problemsWith(expr: string): string[] {
  const problems: string[] = [];
  for (const { metric, matchers } of selectorsOf(expr)) {
    const series = exported.get(metric);
    if (!series) {
      problems.push(`${metric}: not exported by the broker`);
      continue;
    }
    for (const { label, op, value } of matchers) {
      if (!series.labels.has(label)) {
        problems.push(`${metric}: no label "${label}"`);
        continue;
      }
      const known = KNOWN_VALUES[label];
      if (!known || value.includes('$')) continue;
      // Equality matchers must name a value the broker emits; simple alternations are checked branch by branch.
      const values = op === '=' || op === '!=' ? [value] : /^[A-Za-z0-9_|]+$/.test(value) ? value.split('|') : [];
      for (const v of values) if (!known.has(v)) problems.push(`${metric}: ${label}="${v}" is never emitted`);
    }
  }
  return problems;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (
  parseYaml(readFileSync(join(DEPLOY_DIR, 'prometheus/alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((g) => g.rules);

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(DEPLOY_DIR, 'grafana/oss-sts-broker.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const panelQueries = panels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const));

describe('the checker itself', () => {
  it('knows the broker registry, with histogram series derived', () => {
    for (const name of [
      'osb_credential_requests_total',
      'osb_token_cache_total',
      'osb_sts_calls_total',
      'osb_sts_call_duration_seconds_bucket',
      'osb_sts_breaker_state',
      'osb_store_up',
      'process_resident_memory_bytes',
    ]) {
      expect(exported.has(name), name).toBe(true);
    }
    expect(exported.get('osb_sts_call_duration_seconds_bucket')?.labels.has('le')).toBe(true);
  });

  it('flags unknown metrics, labels, label values and syntax errors', () => {
    expect(problemsWith('sum(rate(osb_sts_call_total[5m]))')).toEqual(['osb_sts_call_total: not exported by the broker']);
    expect(problemsWith('rate(osb_token_cache_total{outcome="hit"}[5m])')).toEqual(['osb_token_cache_total: no label "outcome"']);
    expect(problemsWith('rate(osb_credential_requests_total{outcome=~"quota_exceeded|quota_exceded"}[5m])')).toEqual([
      'osb_credential_requests_total: outcome="quota_exceded" is never emitted',
    ]);
    expect(problemsWith('{__name__="osb_breaker_state"}')).toEqual(['osb_breaker_state: not exported by the broker']);
    expect(() => problemsWith('sum(rate(osb_sts_calls_total[5m])')).toThrow(/syntax error/);
  });
});

describe('Prometheus alert rules', () => {
  it.each(rules.map((r) => [r.alert, r] as const))('%s uses only exported metrics', (_name, rule) => {
    expect(problemsWith(rule.expr)).toEqual([]);
  });

  it('every rule has a severity, a summary and a description, and a valid `for`', () => {
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('cover STS errors, the breaker, the cache hit ratio, quota refusals, the store and the cloud identity', () => {
    const uses = (pattern: RegExp) => rules.filter((r) => pattern.test(r.expr)).map((r) => r.alert);
    expect(uses(/osb_sts_calls_total\{code!="ok"\}/)).not.toEqual([]);
    expect(uses(/osb_sts_breaker_state/)).not.toEqual([]);
    expect(uses(/osb_token_cache_total\{result="hit"\}/)).not.toEqual([]);
    expect(uses(/outcome="quota_exceeded"/)).not.toEqual([]);
    expect(uses(/osb_store_up/)).not.toEqual([]);
    expect(uses(/outcome="store_unavailable"/)).not.toEqual([]);
    expect(uses(/osb_cloud_identity_ready/)).not.toEqual([]);
  });
});

describe('Grafana dashboard', () => {
  it.each(panelQueries.map(([title, expr], i) => [`${title} #${i}`, expr] as const))('%s uses only exported metrics', (_t, expr) => {
    expect(problemsWith(substituteGrafanaVariables(expr))).toEqual([]);
  });

  it('its variables query exported metrics too', () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const metric = /label_values\(([A-Za-z_:][A-Za-z0-9_:]*)/.exec(variable.definition ?? '')?.[1];
      expect(metric && exported.has(metric), variable.name).toBe(true);
    }
  });

  it('has panels for STS errors, the breaker, the cache hit ratio, quota refusals and the store', () => {
    const all = panelQueries.map(([, e]) => e).join('\n');
    for (const needle of [
      'osb_sts_calls_total{namespace="$namespace",code!="ok"}',
      'osb_sts_breaker_state',
      'result="hit"',
      'quota_exceeded',
      'osb_store_up',
      'osb_cloud_identity_ready',
    ]) {
      expect(all).toContain(needle);
    }
    expect(new Set(panels.map((p) => (p as { id?: number }).id)).size).toBe(panels.length);
  });
});
