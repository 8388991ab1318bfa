/**
 * `kubectl kustomize <dir>`: what `kubectl apply -k <dir>` would send, rendered by kubectl itself. Debian's
 * kubernetes-client (kubectl 1.20, kustomize v2) is what .ci/run installs; any later kubectl renders the same
 * kustomizations (their fields are chosen for that, see overlays/production/kustomization.yaml).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { systemTool } from '../helpers/system-tool.js';
import { DEPLOY_DIR, parseYaml11All, type KubeObject } from './manifests.js';

/** `KUBECTL=/path/to/kubectl` runs these tests with another kubectl (e.g. to compare kustomize versions). */
export const kubectl = systemTool(
  'kubectl',
  [...(process.env.KUBECTL ? [process.env.KUBECTL] : []), '/usr/bin/kubectl', '/usr/local/bin/kubectl'],
  'kubernetes-client',
);

export const BASE_DIR = join(DEPLOY_DIR, 'kubernetes', 'base');
export const PRODUCTION_DIR = join(DEPLOY_DIR, 'kubernetes', 'overlays', 'production');

/** Renders a kustomization directory; throws with kubectl's message when it cannot. */
export function kustomize(dir: string): KubeObject[] {
  const text = execFileSync(kubectl.path(), ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return parseYaml11All(text, `kubectl kustomize ${dir}`).filter((o) => o !== null);
}
