/**
 * deploy/kubernetes/base/prometheus-rule.yaml is generated from deploy/prometheus/alerts.yaml, the one file the alert
 * rules are written in: the rule file's groups, comments and all, become the `spec` of a PrometheusRule
 * (monitoring.coreos.com/v1) for the Prometheus Operator and ACK Managed Service for Prometheus. Regenerate after
 * editing alerts.yaml (test/deploy/prometheus-rule.test.ts fails until the two agree):
 *
 *   npx tsx test/deploy/prometheus-rule.ts > deploy/kubernetes/base/prometheus-rule.yaml
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ALERTS_FILE = fileURLToPath(new URL('../../deploy/prometheus/alerts.yaml', import.meta.url));
export const PROMETHEUS_RULE_FILE = join(fileURLToPath(new URL('../../deploy/kubernetes/base/', import.meta.url)), 'prometheus-rule.yaml');

const HEADER = `# GENERATED from deploy/prometheus/alerts.yaml: edit that file, then run
#   npx tsx test/deploy/prometheus-rule.ts > deploy/kubernetes/base/prometheus-rule.yaml
# The alert rules as a PrometheusRule (Prometheus Operator, ACK Managed Service for Prometheus). Your Prometheus may
# select rules by label (ruleSelector, e.g. release: <name>): add that label in an overlay.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: oss-sts-broker
  namespace: oss-sts-broker
  labels:
    app.kubernetes.io/name: oss-sts-broker
spec:
`;

/** The PrometheusRule text for a rule file's text: its leading comment dropped, the rest indented under `spec:`. */
export function prometheusRuleText(alerts: string): string {
  const lines = alerts.split('\n');
  const firstContent = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('#'));
  const body = lines
    .slice(firstContent)
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
  return `${HEADER}${body.endsWith('\n') ? body : `${body}\n`}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(prometheusRuleText(readFileSync(ALERTS_FILE, 'utf8')));
}
