/**
 * Lays out, in a temporary directory, the files a broker pod sees: the ConfigMap's keys under the config volume's
 * mount path and the Secret example's keys under the secret volume's, and rewrites the container's environment to
 * point there. What loadConfigFile then reads is exactly what the pod would read.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SECRET_EXAMPLE, find, loadApplied, loadFile, type KubeObject } from './manifests.js';

export interface PodFiles {
  root: string;
  /** The container's env with every mounted path moved under `root`. */
  env: NodeJS.ProcessEnv;
  deployment: KubeObject;
  configMap: KubeObject;
  secret: KubeObject;
}

/** The pod of `applied` (default: the base as shipped; or an overlay rendered by kustomize.ts). */
export function renderPodFiles(applied: KubeObject[] = loadApplied()): PodFiles {
  const deployment = find(applied, 'Deployment');
  const configMap = find(applied, 'ConfigMap');
  const secret = find(loadFile(SECRET_EXAMPLE), 'Secret');
  const spec = deployment.spec.template.spec;
  const container = spec.containers[0];
  const root = mkdtempSync(join(tmpdir(), 'osb-pod-'));

  for (const mount of container.volumeMounts as Array<{ name: string; mountPath: string }>) {
    const volume = (spec.volumes as KubeObject[]).find((v) => v.name === mount.name)!;
    const source: Record<string, string> | undefined = volume.configMap
      ? configMap.metadata.name === volume.configMap.name
        ? configMap.data
        : undefined
      : volume.secret
        ? secret.metadata.name === volume.secret.secretName
          ? secret.stringData
          : undefined
        : {};
    if (source === undefined) throw new Error(`volume ${volume.name} names an object that is not in deploy/kubernetes`);
    const items = (volume.configMap ?? volume.secret)?.items as Array<{ key: string; path: string }> | undefined;
    for (const { key, path } of items ?? Object.keys(source).map((key) => ({ key, path: key }))) {
      const target = join(root, mount.mountPath, path);
      mkdirSync(dirname(target), { recursive: true });
      if (source[key] === undefined) throw new Error(`volume ${volume.name}: no key ${key}`);
      writeFileSync(target, source[key]);
    }
    mkdirSync(join(root, mount.mountPath), { recursive: true });
  }

  const mountPaths = (container.volumeMounts as Array<{ mountPath: string }>).map((m) => m.mountPath);
  const env: NodeJS.ProcessEnv = {};
  for (const { name, value } of container.env as Array<{ name: string; value?: string }>) {
    if (value === undefined) continue;
    env[name] = mountPaths.some((p) => value.startsWith(`${p}/`)) ? join(root, value) : value;
  }
  return { root, env, deployment, configMap, secret };
}
