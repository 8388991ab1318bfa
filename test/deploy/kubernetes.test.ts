/**
 * deploy/kubernetes/base, checked without a cluster: every object against the Kubernetes OpenAPI schemas (kubernetes-models,
 * and @kubernetes-models/prometheus-operator for the ServiceMonitor CRD), the Pod Security "restricted" profile
 * control by control, and the cross-object wiring a cluster would only reveal at run time (selectors, named ports,
 * mounts against the *_FILE paths, grace period against the drain deadline, HPA against the STS budget).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import {
  DEPLOY_DIR,
  SECRET_EXAMPLE,
  find,
  kustomization,
  loadApplied,
  loadFile,
  selects,
  yamlFilesInKubeDir,
  type KubeObject,
} from './manifests.js';
import { restrictedViolations } from './pod-security.js';
import { validateAgainstSchema } from './schemas.js';
import { renderPodFiles } from './pod-files.js';

const applied = loadApplied();
const secretExample = find(loadFile(SECRET_EXAMPLE), 'Secret');
const namespace = find(applied, 'Namespace');
const serviceAccount = find(applied, 'ServiceAccount');
const configMap = find(applied, 'ConfigMap');
const deployment = find(applied, 'Deployment');
const service = find(applied, 'Service', 'oss-sts-broker');
const metricsService = find(applied, 'Service', 'oss-sts-broker-metrics');
const pdb = find(applied, 'PodDisruptionBudget');
const hpa = find(applied, 'HorizontalPodAutoscaler');
const networkPolicy = find(applied, 'NetworkPolicy');
const serviceMonitor = find(applied, 'ServiceMonitor');
const pod = deployment.spec.template;
const container = pod.spec.containers[0];
const brokerConfigRaw = parseYaml(configMap.data['config.yaml']);
/** The configuration as the pod reads it (config-from-manifests.test.ts proves the broker accepts it). */
const pod_ = renderPodFiles();
const brokerConfig = loadConfigFile(pod_.env.BROKER_CONFIG!, pod_.env);
/** `server.drainTimeoutSeconds` once the schema has it; 20 is its documented default. */
const drainSeconds = (brokerConfig.server as { drainTimeoutSeconds?: number }).drainTimeoutSeconds ?? 20;

function portNumber(name: string): number {
  const port = (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === name);
  if (!port) throw new Error(`container has no port named ${name}`);
  return port.containerPort;
}

describe('the manifest set', () => {
  it('kustomization.yaml lists every manifest but the Secret example, and only files that exist', () => {
    const listed = kustomization().resources;
    expect([...listed].sort()).toEqual(
      yamlFilesInKubeDir()
        .filter((f) => f !== SECRET_EXAMPLE)
        .sort(),
    );
    expect(listed).not.toContain(SECRET_EXAMPLE);
  });

  it('holds each object the deployment needs, all in the broker namespace', () => {
    expect(applied.map((o) => o.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'PrometheusRule',
        'Service',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ].sort(),
    );
    for (const o of applied.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, o.kind).toBe(namespace.metadata.name);
    expect(secretExample.metadata.namespace).toBe(namespace.metadata.name);
  });
});

describe('Kubernetes API schemas', () => {
  it.each([...applied, secretExample].map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s is valid', (_label, object) => {
    expect(() => validateAgainstSchema(object)).not.toThrow();
  });

  it('the schema check does catch a wrong manifest', () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(() => validateAgainstSchema(broken)).toThrow(/containerPort must be integer/);
    const noSelector = structuredClone(deployment);
    delete noSelector.spec.selector;
    expect(() => validateAgainstSchema(noSelector)).toThrow(/selector/);
    const badInterval = structuredClone(serviceMonitor);
    badInterval.spec.endpoints[0].interval = 'every 30 seconds';
    expect(() => validateAgainstSchema(badInterval)).toThrow(/interval/);
    expect(() => validateAgainstSchema({ ...pdb, apiVersion: 'policy/v1beta1' })).toThrow(/no schema/);
  });
});

describe('Pod Security "restricted"', () => {
  it('the broker pod meets every control', () => {
    expect(restrictedViolations(pod.spec)).toEqual([]);
  });

  it('the check names what a weakened pod breaks', () => {
    const weak = structuredClone(pod.spec);
    delete weak.securityContext.seccompProfile;
    const c = weak.containers[0];
    delete c.securityContext.seccompProfile;
    c.securityContext.allowPrivilegeEscalation = true;
    c.securityContext.capabilities = { add: ['NET_ADMIN'] };
    c.securityContext.runAsUser = 0;
    weak.volumes.push({ name: 'host', hostPath: { path: '/var/run' } });
    weak.hostNetwork = true;
    expect(restrictedViolations(weak)).toEqual([
      'hostNetwork is set',
      'volume host: hostPath',
      'volume host: type hostPath not allowed',
      'containers[0] broker: adds capability NET_ADMIN (baseline)',
      'containers[0] broker: capabilities.drop lacks ALL',
      'containers[0] broker: allowPrivilegeEscalation is not false',
      'containers[0] broker: runAsUser 0',
      'containers[0] broker: seccompProfile is unset',
    ]);
  });

  it('the namespace enforces it server-side too, and the root filesystem is read-only', () => {
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, privileged: false });
    // A read-only root still needs a writable /tmp for Node and its libraries.
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });
});

describe('RRSA identity', () => {
  it('the namespace carries the label that makes ack-pod-identity-webhook inject RRSA (the string "on")', () => {
    expect(namespace.metadata.labels?.['pod-identity.alibabacloud.com/injection']).toBe('on');
  });

  it('the pod runs as the annotated service account, with no Kubernetes API token', () => {
    expect(serviceAccount.metadata.annotations?.['pod-identity.alibabacloud.com/role-name']).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(pod.spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  it("the chain cannot fall back to the node's ECS role: its step is off and the metadata address is not reachable", () => {
    expect(container.env).toContainEqual({ name: 'ALIBABA_CLOUD_ECS_METADATA_DISABLED', value: 'true' });
    const https = networkPolicy.spec.egress.find((r: KubeObject) => r.ports.some((p: { port: number }) => p.port === 443));
    for (const peer of https.to) expect(peer.ipBlock.except).toContain('100.100.100.200/32');
    // No AccessKey is put into the pod by the manifests.
    const names = (container.env as Array<{ name: string }>).map((e) => e.name);
    expect(names.filter((n) => /ACCESS_KEY|SECURITY_TOKEN/.test(n))).toEqual([]);
  });
});

describe('Deployment', () => {
  it('listens where the ConfigMap says: http on server.port, metrics on server.metricsPort', () => {
    expect(portNumber('http')).toBe(brokerConfig.server.port);
    expect(brokerConfig.server.metricsPort).toBeDefined();
    expect(portNumber('metrics')).toBe(brokerConfig.server.metricsPort);
  });

  it('probes: startup and liveness on /healthz, readiness on /readyz, all on the http port', () => {
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // The startup probe, not a long liveness delay, covers a slow start.
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(30);
    expect(container.livenessProbe.initialDelaySeconds ?? 0).toBe(0);
  });

  it('terminationGracePeriodSeconds = server.drainTimeoutSeconds + preStop sleep + 5', () => {
    const [command, seconds] = container.lifecycle.preStop.exec.command as string[];
    expect(command).toBe('sleep');
    expect(Number(seconds)).toBeGreaterThan(0);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(drainSeconds + Number(seconds) + 5);
  });

  it('requests CPU and memory, limits memory', () => {
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('spreads replicas across zones (hard) and nodes (soft)', () => {
    const constraints = pod.spec.topologySpreadConstraints as KubeObject[];
    const zone = constraints.find((c) => c.topologyKey === 'topology.kubernetes.io/zone');
    expect(zone).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' });
    expect(constraints.find((c) => c.topologyKey === 'kubernetes.io/hostname')).toMatchObject({ maxSkew: 1 });
    for (const c of constraints) expect(selects(c.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
  });

  it('its selector matches its pods, and the HPA owns the replica count', () => {
    expect(selects(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.strategy.rollingUpdate).toMatchObject({ maxUnavailable: 0 });
  });
});

describe('config and secrets reach the files the broker reads', () => {
  const env = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
  const mounts = container.volumeMounts as Array<{ name: string; mountPath: string }>;
  const volumes = pod.spec.volumes as KubeObject[];
  const fileIn = (path: string) => {
    const mount = mounts.find((m) => path.startsWith(`${m.mountPath}/`));
    if (!mount) throw new Error(`${path} is on no volume`);
    const volume = volumes.find((v) => v.name === mount.name)!;
    const file = path.slice(mount.mountPath.length + 1);
    return { volume, file, item: (volume.configMap ?? volume.secret).items.find((i: { path: string }) => i.path === file) };
  };

  it('BROKER_CONFIG is the ConfigMap key, mounted read-only', () => {
    const { volume, item } = fileIn(env.BROKER_CONFIG!);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data)).toContain(item.key);
  });

  it.each(['BROKER_REDIS_URL_FILE', 'BROKER_CACHE_KEY_FILE', 'BROKER_GRANT_KEY_FILE'])('%s is a key of the Secret', (name) => {
    const { volume, item } = fileIn(env[name]!);
    expect(volume.secret.secretName).toBe(secretExample.metadata.name);
    expect(Object.keys(secretExample.stringData)).toContain(item.key);
    expect(volume.secret.defaultMode).toBe(0o440);
  });

  it('the ConfigMap carries deploy/config.example.yaml', () => {
    expect(brokerConfigRaw).toEqual(parseYaml(readFileSync(join(DEPLOY_DIR, 'config.example.yaml'), 'utf8')));
  });

  it('the Secret example holds placeholders only', () => {
    expect(secretExample.stringData['redis-url']).toContain('REPLACE-ME');
    expect(Buffer.from(secretExample.stringData['cache-key'], 'base64').toString('utf8')).toContain('REPLACE-ME');
    expect(Buffer.from(secretExample.stringData['grant-key'], 'base64').toString('utf8')).toContain('REPLACE-ME');
    expect(secretExample.data).toBeUndefined();
  });
});

describe('Services and scraping', () => {
  it('the public Service exposes http only and selects the broker pods', () => {
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0]).toMatchObject({ name: 'http', targetPort: 'http' });
    expect(
      service.spec.ports.some((p: { targetPort: unknown }) => p.targetPort === 'metrics' || p.targetPort === portNumber('metrics')),
    ).toBe(false);
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('the metrics Service is headless, carries only the metrics port, and is what the ServiceMonitor selects', () => {
    expect(metricsService.spec.clusterIP).toBe('None');
    expect(metricsService.spec.ports).toEqual([{ name: 'metrics', port: portNumber('metrics'), targetPort: 'metrics', protocol: 'TCP' }]);
    expect(selects(metricsService.spec.selector, pod.metadata.labels)).toBe(true);
    expect(selects(serviceMonitor.spec.selector.matchLabels, metricsService.metadata.labels)).toBe(true);
    expect(selects(serviceMonitor.spec.selector.matchLabels, service.metadata.labels)).toBe(false);
    expect(serviceMonitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(serviceMonitor.spec.namespaceSelector.matchNames).toEqual([namespace.metadata.name]);
  });
});

describe('availability and scaling', () => {
  it('the PodDisruptionBudget covers the broker pods and lets one go at a time', () => {
    expect(selects(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it('the HPA scales this Deployment, never below a replica per zone', () => {
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.maxUnavailable);
  });

  it('at full scale the replicas cannot together exceed the account-wide ~100 AssumeRole/s', () => {
    expect(hpa.spec.maxReplicas * brokerConfig.sts.maxCallsPerSecond).toBeLessThanOrEqual(100);
  });
});

describe('NetworkPolicy', () => {
  const portsOf = (rule: KubeObject) =>
    (rule.ports as Array<{ port: number | string; protocol: string }>).map((p) => `${p.port}/${p.protocol}`);

  it('applies to the broker pods in both directions', () => {
    expect(selects(networkPolicy.spec.podSelector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(networkPolicy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('ingress: http from the ingress controller, metrics from the monitoring namespaces, nothing else', () => {
    const rules = networkPolicy.spec.ingress as KubeObject[];
    expect(rules.map(portsOf)).toEqual([['http/TCP'], ['metrics/TCP']]);
    for (const rule of rules) expect(rule.from.length).toBeGreaterThan(0);
    const [lb, prometheus] = rules;
    expect(lb!.from[0].podSelector.matchLabels).toEqual({ app: 'ingress-nginx' });
    expect(prometheus!.from.every((peer: KubeObject) => peer.namespaceSelector !== undefined && peer.ipBlock === undefined)).toBe(true);
  });

  it('egress: DNS, Redis (and Sentinel), HTTPS for STS and JWKS; every rule names its ports', () => {
    const rules = networkPolicy.spec.egress as KubeObject[];
    expect(rules.map(portsOf)).toEqual([['53/UDP', '53/TCP'], ['6379/TCP', '26379/TCP'], ['443/TCP']]);
    expect(rules[0]!.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    // Redis only inside private address space; HTTPS never to it.
    for (const peer of rules[1]!.to) expect(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']).toContain(peer.ipBlock.cidr);
    expect(rules[2]!.to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
  });
});
