/**
 * The alert rules as a PrometheusRule: generated from deploy/prometheus/alerts.yaml (the one file rules are written
 * in; observability.test.ts checks their metrics), applied by the kustomize base, valid against the
 * monitoring.coreos.com/v1 schema, every expression parsed with Prometheus' own grammar.
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { find, loadApplied } from './manifests.js';
import { ALERTS_FILE, PROMETHEUS_RULE_FILE, prometheusRuleText } from './prometheus-rule.js';
import { validateAgainstSchema } from './schemas.js';

const alertsText = readFileSync(ALERTS_FILE, 'utf8');
const rule = find(loadApplied(), 'PrometheusRule');

function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from} in ${expr}`);
    },
  });
  return errors;
}

describe('PrometheusRule', () => {
  it('is alerts.yaml as generated (npx tsx test/deploy/prometheus-rule.ts > deploy/kubernetes/base/prometheus-rule.yaml)', () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(prometheusRuleText(alertsText));
    expect(rule.spec).toEqual(parseYaml(alertsText));
  });

  it('the generator keeps every rule, comments aside', () => {
    const edited = alertsText.replace('groups:\n', 'groups:\n  - name: extra\n    rules:\n      - alert: Extra\n        expr: vector(1)\n');
    expect(parseYaml(prometheusRuleText(edited)).spec.groups.map((g: { name: string }) => g.name)).toContain('extra');
  });

  it('fits the monitoring.coreos.com/v1 schema, and the check does fail on a wrong rule', () => {
    expect(() => validateAgainstSchema(rule)).not.toThrow();
    const broken = structuredClone(rule);
    broken.spec.groups[0].rules[0].for = 'ten minutes';
    expect(() => validateAgainstSchema(broken)).toThrow(/for/);
  });

  it('every expression parses as PromQL', () => {
    const rules = rule.spec.groups.flatMap((g: { rules: Array<{ alert: string; expr: string }> }) => g.rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(syntaxErrors(r.expr), r.alert).toEqual([]);
    expect(syntaxErrors('sum(rate(x[5m])')).not.toEqual([]);
  });

  it('lives with the broker: its namespace and labels', () => {
    expect(rule.metadata).toMatchObject({
      name: 'oss-sts-broker',
      namespace: 'oss-sts-broker',
      labels: { 'app.kubernetes.io/name': 'oss-sts-broker' },
    });
  });
});
