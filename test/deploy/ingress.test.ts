/**
 * The Ingress, checked for the base as shipped and for the production overlay as kubectl renders it: the host and TLS
 * agree with the callback URL OSS is given, every public route (the OSS callback first) reaches the broker's http port
 * with its path unchanged, nothing else is exposed, and `server.trustProxy` is the hop count of the controller the
 * Ingress class names.
 */
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { AuditEvent } from '../../src/audit/index.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { MemoryStore } from '../../src/store/index.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import { renderPodFiles } from './pod-files.js';
import { find, loadApplied, selects, type KubeObject } from './manifests.js';
import { PRODUCTION_DIR, kubectl, kustomize } from './kustomize.js';

/**
 * Proxies between the client and the broker, per Ingress class, as `server.trustProxy` must count them:
 * - nginx (ACK's Nginx Ingress controller, ingress-nginx): sets X-Forwarded-For to the address it received the
 *   connection from and connects to the pod itself;
 * - alb (ACK's ALB Ingress): appends the client's address to X-Forwarded-For and connects to the pod itself.
 */
const HOPS: Record<string, number> = { nginx: 1, alb: 1 };
/** The controller pods of each class, as network-policy.yaml must admit them to the http port. */
const CONTROLLER_PODS: Record<string, Record<string, string>> = { nginx: { app: 'ingress-nginx' } };

const PUBLIC = ['/v1/oss-callback', '/v1/credentials', '/v1/credentials/documents', '/v1/post-policy', '/v1/usage', '/openapi.yaml'];
const PRIVATE = ['/metrics', '/readyz', '/healthz', '/dev/token', '/', '/admin/v1/revocations', '/v10/credentials'];

interface IngressPath {
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: { service: { name: string; port: { name?: string; number?: number } } };
}

/** Kubernetes Ingress path matching: Exact, or Prefix element by element; the longest match wins, Exact on a tie. */
function route(paths: IngressPath[], requestPath: string): IngressPath | undefined {
  const elements = (p: string) => p.split('/').filter((e) => e !== '');
  const matches = paths.filter((p) => {
    if (p.pathType === 'Exact') return p.path === requestPath;
    if (p.pathType === 'Prefix') {
      const prefix = elements(p.path);
      const request = elements(requestPath);
      return prefix.every((e, i) => request[i] === e);
    }
    throw new Error(`pathType ${p.pathType} has no portable meaning`);
  });
  return matches.sort((a, b) => b.path.length - a.path.length || (a.pathType === 'Exact' ? -1 : 1))[0];
}

function checks(label: string, objects: () => KubeObject[]) {
  describe(label, () => {
    const all = objects();
    const ingress = find(all, 'Ingress');
    const service = find(all, 'Service', 'oss-sts-broker');
    const deployment = find(all, 'Deployment');
    const networkPolicy = find(all, 'NetworkPolicy');
    const config = parseYaml(find(all, 'ConfigMap').data['config.yaml']);
    const callbackUrls = Object.values<{ postPolicy?: { callback?: { url: string } } }>(config.profiles)
      .map((p) => p.postPolicy?.callback?.url)
      .filter((u): u is string => u !== undefined)
      .map((u) => new URL(u));
    const [rule] = ingress.spec.rules as Array<{ host: string; http: { paths: IngressPath[] } }>;

    it('one rule, for the host OSS calls back, covered by TLS', () => {
      expect(ingress.spec.rules).toHaveLength(1);
      expect(callbackUrls.length).toBeGreaterThan(0);
      for (const url of callbackUrls) {
        expect(url.protocol).toBe('https:');
        expect(url.host).toBe(rule!.host);
      }
      expect(ingress.spec.tls).toEqual([{ hosts: [rule!.host], secretName: expect.any(String) }]);
    });

    it('the callback path and the API reach the http port of the public Service; nothing else is routed', () => {
      const containerPorts = deployment.spec.template.spec.containers[0].ports as Array<{ name: string }>;
      for (const path of [...PUBLIC, ...callbackUrls.map((u) => u.pathname)]) {
        const hit = route(rule!.http.paths, path);
        expect(hit?.backend.service, path).toEqual({ name: service.metadata.name, port: { name: 'http' } });
        const servicePort = (service.spec.ports as Array<{ name: string; targetPort: string }>).find((p) => p.name === 'http');
        expect(containerPorts.map((p) => p.name)).toContain(servicePort?.targetPort);
      }
      for (const path of PRIVATE) expect(route(rule!.http.paths, path), path).toBeUndefined();
    });

    it('paths reach the broker unchanged (the callback signature covers the path)', () => {
      const annotations = Object.keys(ingress.metadata.annotations ?? {});
      expect(annotations.filter((a) => /rewrite|use-regex|app-root|configuration-snippet/.test(a))).toEqual([]);
    });

    it("server.trustProxy is the hop count of the Ingress class's controller", () => {
      const hops = HOPS[ingress.spec.ingressClassName];
      expect(hops, `known ingress class: ${ingress.spec.ingressClassName}`).toBeDefined();
      expect(config.server.trustProxy).toBe(hops);
    });

    it('so the broker records the address the controller saw, never one the client wrote', async () => {
      const { env } = renderPodFiles(all);
      const podConfig = loadConfigFile(env.BROKER_CONFIG!, env);
      const audit: AuditEvent[] = [];
      const { app } = createApp({
        config: podConfig,
        store: new MemoryStore(),
        sts: createStsClient({ config: podConfig.sts, credential: accessKeyCredential('LTAIunused', 'unused-secret') }),
        authenticator: createAuthenticator({ clients: podConfig.clients, clock: systemClock }),
        encryptionKey: Buffer.from(podConfig.cache.encryptionKey!, 'base64'),
        logger: createLogger('silent'),
        audit: { record: (event) => audit.push(event) },
      });
      // The connection comes from the controller (here 127.0.0.1). ingress-nginx sends only the address it saw; ALB
      // appends it to what the client sent. Either way the last entry is the one to believe.
      for (const forwarded of ['203.0.113.9', '198.51.100.66, 203.0.113.9']) {
        await request(app).post('/v1/credentials').set('X-Forwarded-For', forwarded).send({ profile: 'documents' }).expect(401);
      }
      expect(audit.map((e) => e.sourceIp)).toEqual(['203.0.113.9', '203.0.113.9']);
    });

    it('the NetworkPolicy admits that controller to the http port', () => {
      const controller = CONTROLLER_PODS[ingress.spec.ingressClassName];
      expect(controller).toBeDefined();
      const httpRule = (networkPolicy.spec.ingress as KubeObject[]).find((r) => r.ports.some((p: { port: unknown }) => p.port === 'http'));
      expect(httpRule!.from.some((peer: KubeObject) => selects(peer.podSelector?.matchLabels, controller))).toBe(true);
    });
  });
}

describe('the route matcher', () => {
  const paths: IngressPath[] = [
    { path: '/v1/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
    { path: '/v1/oss-callback', pathType: 'Exact', backend: { service: { name: 'cb', port: { name: 'http' } } } },
  ];
  it('follows the Ingress rules: element-wise prefixes, longest first, Exact only for itself', () => {
    expect(route(paths, '/v1/oss-callback')?.backend.service.name).toBe('cb');
    expect(route(paths, '/v1/oss-callback/x')?.backend.service.name).toBe('api');
    expect(route(paths, '/v1')?.backend.service.name).toBe('api');
    expect(route(paths, '/v10/x')).toBeUndefined();
    expect(route(paths, '/metrics')).toBeUndefined();
  });
});

checks('the base Ingress (deploy/kubernetes/base)', loadApplied);
describe.skipIf(kubectl.skip)('kubectl kustomize deploy/kubernetes/overlays/production', () => {
  checks('the production Ingress', () => kustomize(PRODUCTION_DIR));
});
