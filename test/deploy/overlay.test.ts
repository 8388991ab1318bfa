/**
 * The kustomize base and the production overlay as `kubectl kustomize` renders them: the base is exactly the files
 * the other tests read, every object of the overlay fits its Kubernetes schema and the Pod Security "restricted"
 * profile, and the overlay changes the image (pinned by digest), the ConfigMap and the replica range and nothing else
 * of the base but the Ingress host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { MemoryStore } from '../../src/store/index.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import request from 'supertest';
import { find, loadApplied, type KubeObject } from './manifests.js';
import { BASE_DIR, PRODUCTION_DIR, kubectl, kustomize } from './kustomize.js';
import { renderPodFiles } from './pod-files.js';
import { restrictedViolations } from './pod-security.js';
import { validateAgainstSchema } from './schemas.js';

const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** kustomize v2 writes `annotations: {}` where v5 writes nothing; neither means anything. */
function normalized(objects: KubeObject[]): Map<string, KubeObject> {
  return new Map(
    objects.map((o) => {
      const copy = structuredClone(o);
      if (copy.metadata.annotations && Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
      return [key(copy), copy];
    }),
  );
}

describe.skipIf(kubectl.skip)('kubectl kustomize', () => {
  const base = normalized(kustomize(BASE_DIR));
  const production = normalized(kustomize(PRODUCTION_DIR));
  const get = (map: Map<string, KubeObject>, kind: string) => find([...map.values()], kind);

  it('renders the base as the files are (what the other deploy tests check)', () => {
    expect(base).toEqual(normalized(loadApplied()));
  });

  it.each([...production.values()].map((o) => [key(o), o] as const))('overlay: %s fits its Kubernetes schema', (_k, object) => {
    expect(() => validateAgainstSchema(object)).not.toThrow();
  });

  it('overlay: the broker pod still meets Pod Security "restricted"', () => {
    expect(restrictedViolations(get(production, 'Deployment').spec.template.spec)).toEqual([]);
  });

  it('overlay: the image is an ACR repository pinned by digest', () => {
    const image: string = get(production, 'Deployment').spec.template.spec.containers[0].image;
    expect(image).toMatch(/^[a-z0-9-]+(-vpc)?\.[a-z0-9-]+\.cr\.aliyuncs\.com\/[a-z0-9._-]+\/[a-z0-9._-]+@sha256:[0-9a-f]{64}$/);
    expect(get(base, 'Deployment').spec.template.spec.containers[0].image).not.toBe(image);
  });

  it('overlay: the ConfigMap holds overlays/production/config.yaml, under the name the pod mounts', () => {
    const configMap = get(production, 'ConfigMap');
    expect(configMap.metadata.name).toBe(get(base, 'ConfigMap').metadata.name);
    expect(configMap.data['config.yaml']).toBe(readFileSync(join(PRODUCTION_DIR, 'config.yaml'), 'utf8'));
    expect(parseYaml(configMap.data['config.yaml'])).not.toEqual(parseYaml(get(base, 'ConfigMap').data['config.yaml']));
  });

  it('overlay: the HPA range changes, and at full scale the replicas stay within the account-wide ~100 AssumeRole/s', () => {
    const hpa = get(production, 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).not.toEqual([
      get(base, 'HorizontalPodAutoscaler').spec.minReplicas,
      get(base, 'HorizontalPodAutoscaler').spec.maxReplicas,
    ]);
    const config = parseYaml(get(production, 'ConfigMap').data['config.yaml']);
    expect(hpa.spec.maxReplicas * config.sts.maxCallsPerSecond).toBeLessThanOrEqual(100);
    expect(hpa.spec.minReplicas).toBeGreaterThan(get(production, 'PodDisruptionBudget').spec.maxUnavailable);
    expect(get(production, 'Deployment').spec.replicas).toBeUndefined();
  });

  it('overlay: everything else is the base, unchanged', () => {
    expect([...production.keys()].sort()).toEqual([...base.keys()].sort());
    const changed: string[] = [];
    for (const [k, object] of production) {
      const restored = structuredClone(object);
      const original = base.get(k)!;
      if (object.kind === 'Deployment') restored.spec.template.spec.containers[0].image = original.spec.template.spec.containers[0].image;
      if (object.kind === 'ConfigMap') restored.data = original.data;
      if (object.kind === 'HorizontalPodAutoscaler') {
        restored.spec.minReplicas = original.spec.minReplicas;
        restored.spec.maxReplicas = original.spec.maxReplicas;
      }
      if (object.kind === 'Ingress') {
        restored.spec.rules[0].host = original.spec.rules[0].host;
        restored.spec.tls[0].hosts = original.spec.tls[0].hosts;
      }
      if (JSON.stringify(restored) !== JSON.stringify(original)) changed.push(k);
    }
    expect(changed).toEqual([]);
  });

  it('overlay: the pod configuration loads with the production rules and the broker starts on it', async () => {
    const { env } = renderPodFiles([...production.values()]);
    const config = loadConfigFile(env.BROKER_CONFIG!, env);
    expect(config.sts.endpoint).toBe('sts-vpc.cn-hangzhou.aliyuncs.com');
    const { app } = createApp({
      config,
      store: new MemoryStore(),
      sts: createStsClient({ config: config.sts, credential: accessKeyCredential('LTAIunused', 'unused-secret') }),
      authenticator: createAuthenticator({ clients: config.clients, clock: systemClock }),
      encryptionKey: Buffer.from(config.cache.encryptionKey!, 'base64'),
      logger: createLogger('silent'),
    });
    await request(app).get('/healthz').expect(200);
  });
});
