/**
 * Reads deploy/kubernetes/base as kubectl would: every document of every file that kustomization.yaml lists, parsed as
 * YAML 1.1 like Kubernetes' own parser (so an unquoted `on` would become `true` here too, and `0440` octal).
 * kustomize.ts renders the base and the overlays with kubectl itself.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));
export const KUBE_DIR = join(DEPLOY_DIR, 'kubernetes', 'base');
/** Shipped beside the manifests but never applied: placeholders for the operator's own Secret. */
export const SECRET_EXAMPLE = 'secret.example.yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are untyped data; each test narrows what it reads
  [key: string]: any;
}

export function parseYaml11All(text: string, file: string): KubeObject[] {
  return parseAllDocuments(text, { version: '1.1' }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as KubeObject;
  });
}

export function kustomization(): { resources: string[] } {
  return parseYaml(readFileSync(join(KUBE_DIR, 'kustomization.yaml'), 'utf8'), { version: '1.1' });
}

export function yamlFilesInKubeDir(): string[] {
  return readdirSync(KUBE_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
}

export function loadFile(file: string): KubeObject[] {
  return parseYaml11All(readFileSync(join(KUBE_DIR, file), 'utf8'), file);
}

/** Everything `kubectl apply -k deploy/kubernetes/base` would send. */
export function loadApplied(): KubeObject[] {
  return kustomization().resources.flatMap((file) => loadFile(file));
}

export function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`);
  return matches[0]!;
}

/** Label selector semantics for matchLabels (all we use): every pair present in the labels. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
