/**
 * deploy/docker-compose.yml, checked without a Docker engine (none on these machines): its structure (a load
 * balancer in front of two replicas and Redis, healthchecks, depends_on conditions, only the load balancer published),
 * the HAProxy config it mounts, and the broker healthcheck's one-liner run for real with node against a broker.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../src/store/index.js';
import { closedPort } from '../sts/helpers/fake-sts-server.js';
import { systemTool } from '../helpers/system-tool.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { exampleBroker } from './example-broker.js';
import { DEPLOY_DIR } from './manifests.js';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number };
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
  command?: string[];
}

const compose = parseYaml(readFileSync(join(DEPLOY_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;
const brokers = Object.keys(services).filter((name) => services[name]!.build !== undefined);
const haproxyCfg = readFileSync(join(DEPLOY_DIR, 'haproxy/haproxy.cfg'), 'utf8');

/** `./x:/y:ro` → { source: <deploy>/x, target: /y }. */
function mountOf(service: ComposeService, target: string): string | undefined {
  const volume = service.volumes?.find((v) => v.split(':')[1] === target);
  return volume === undefined ? undefined : join(DEPLOY_DIR, volume.split(':')[0]!);
}

function seconds(duration: string): number {
  const m = /^(\d+)(s|m)$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

describe('docker-compose.yml structure', () => {
  it('a load balancer, two broker replicas built from the repository, and Redis', () => {
    expect(Object.keys(services).sort()).toEqual(['broker-1', 'broker-2', 'lb', 'redis']);
    expect(brokers.sort()).toEqual(['broker-1', 'broker-2']);
    for (const name of brokers) expect(services[name]!.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
    expect(existsSync(join(DEPLOY_DIR, '..', 'Dockerfile'))).toBe(true);
    expect(services.lb!.image).toMatch(/^haproxy:\d/);
    expect(services.redis!.image).toMatch(/^redis:\d/);
  });

  it('only the load balancer publishes a port on the host, on loopback', () => {
    expect(services.lb!.ports).toEqual(['127.0.0.1:8080:8080']);
    for (const name of ['broker-1', 'broker-2', 'redis']) expect(services[name]!.ports, name).toBeUndefined();
  });

  it('every service has a healthcheck; the broker one uses node fetch on /readyz (the image has no curl)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test[0], name).toBe('CMD');
      expect(service.healthcheck?.retries, name).toBeGreaterThan(0);
    }
    for (const name of brokers) {
      const [, binary, flag, script] = services[name]!.healthcheck!.test;
      expect([binary, flag]).toEqual(['node', '-e']);
      expect(script).toContain("fetch('http://127.0.0.1:8080/readyz')");
      expect(services[name]!.healthcheck!.test.join(' ')).not.toMatch(/curl|wget/);
    }
    expect(services.redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(services.lb!.healthcheck!.test.join(' ')).toContain('/lb-health');
  });

  it('start order waits on health: Redis before the brokers, both brokers before the load balancer', () => {
    for (const name of brokers) expect(services[name]!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(services.lb!.depends_on).toEqual({
      'broker-1': { condition: 'service_healthy' },
      'broker-2': { condition: 'service_healthy' },
    });
  });

  it('brokers run locked down: read-only root, no capabilities, no privilege gain, time to drain on stop', () => {
    for (const name of brokers) {
      const s = services[name]!;
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.security_opt).toContain('no-new-privileges:true');
      // server.drainTimeoutSeconds defaults to 20.
      expect(seconds(s.stop_grace_period!)).toBeGreaterThan(20);
      expect(s.environment?.NODE_ENV).toBe('production');
    }
  });

  it('secrets are mounted files under ./secrets (git-ignored), named by the *_FILE variables', () => {
    const env = services['broker-1']!.environment!;
    expect(env.BROKER_REDIS_URL_FILE).toBe('/run/secrets/redis-url');
    expect(env.BROKER_CACHE_KEY_FILE).toBe('/run/secrets/cache-key');
    expect(env.BROKER_GRANT_KEY_FILE).toBe('/run/secrets/grant-key');
    expect(services['broker-1']!.secrets).toEqual(['redis-url', 'cache-key', 'grant-key']);
    expect(compose.secrets).toEqual({
      'redis-url': { file: './secrets/redis-url' },
      'cache-key': { file: './secrets/cache-key' },
      'grant-key': { file: './secrets/grant-key' },
    });
    expect(readFileSync(join(DEPLOY_DIR, '..', '.gitignore'), 'utf8').split('\n')).toContain('deploy/secrets/');
  });

  it('Redis keeps nothing on disk and never evicts (an evicted quota counter would allow more)', () => {
    expect(services.redis!.command).toEqual(
      expect.arrayContaining(['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction']),
    );
  });
});

describe('the config the brokers mount', () => {
  const configPath = mountOf(services['broker-1']!, '/etc/oss-sts-broker/config.yaml')!;
  const config = loadConfigFile(configPath, {
    BROKER_REDIS_URL: 'redis://redis:6379/0',
    BROKER_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    BROKER_GRANT_KEY: Buffer.alloc(32, 9).toString('base64'),
  });

  it('is deploy/config.example.yaml, at BROKER_CONFIG, accepted by the broker', () => {
    expect(services['broker-1']!.environment!.BROKER_CONFIG).toBe('/etc/oss-sts-broker/config.yaml');
    expect(configPath).toBe(join(DEPLOY_DIR, 'config.example.yaml'));
    expect(config.server.port).toBe(8080);
  });

  it('believes exactly one proxy hop (HAProxy adds X-Forwarded-For), and serves metrics on the unrouted port', () => {
    expect(config.server.trustProxy).toBe(1);
    expect(haproxyCfg).toMatch(/^\s*option forwardfor\s*$/m);
    expect(services['broker-1']!.expose).toEqual(['8080', String(config.server.metricsPort)]);
  });
});

describe('haproxy.cfg', () => {
  it('is mounted where the haproxy image reads it', () => {
    expect(mountOf(services.lb!, '/usr/local/etc/haproxy/haproxy.cfg')).toBe(join(DEPLOY_DIR, 'haproxy/haproxy.cfg'));
  });

  it('balances over exactly the broker services, each actively checked on /readyz', () => {
    const servers = [...haproxyCfg.matchAll(/^\s*server\s+(\S+)\s+(\S+)\s+(.*)$/gm)].map((m) => ({
      name: m[1],
      address: m[2],
      opts: m[3],
    }));
    expect(servers.map((s) => s.address).sort()).toEqual(brokers.map((b) => `${b}:8080`).sort());
    for (const s of servers) expect(s.opts).toMatch(/\bcheck\b/);
    expect(haproxyCfg).toMatch(/^\s*option httpchk\s*$/m);
    expect(haproxyCfg).toMatch(/^\s*http-check send meth GET uri \/readyz\s*$/m);
    expect(haproxyCfg).toMatch(/^\s*http-check expect status 200\s*$/m);
  });

  it('listens on the published port, answers /lb-health, and refuses /metrics', () => {
    expect(haproxyCfg).toMatch(/^\s*bind :8080\s*$/m);
    expect(haproxyCfg).toMatch(/^\s*monitor-uri \/lb-health\s*$/m);
    expect(haproxyCfg).toMatch(/deny deny_status 404 if \{ path_beg \/metrics \}/);
  });

  // HAProxy's own parser checks the file (.ci/run installs it; elsewhere this skips where it is missing).
  const haproxy = systemTool('haproxy', ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'], 'haproxy');
  it.skipIf(haproxy.skip)('haproxy -c accepts it', async () => {
    const { stdout, stderr } = await run(haproxy.path(), ['-c', '-f', join(DEPLOY_DIR, 'haproxy/haproxy.cfg')]);
    expect(`${stdout}${stderr}`).toContain('Configuration file is valid');
  });
});

describe('the broker healthcheck one-liner, run with node', () => {
  const script = services['broker-1']!.healthcheck!.test[3]!;

  async function exitCodeAgainst(port: number): Promise<number> {
    try {
      await run(process.execPath, ['-e', script.replace('127.0.0.1:8080', `127.0.0.1:${port}`)], { timeout: 15_000 });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  async function brokerWithStore(store: KeyValueStore) {
    const app = exampleBroker(store);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it('exits 0 for a ready broker, 1 when /readyz fails, 1 when nothing listens', async () => {
    const healthy = await brokerWithStore(new MemoryStore());
    // A Redis store whose server is not there: its ping fails, so /readyz answers 503.
    const downStore = RedisStore.fromConfig({
      url: `redis://127.0.0.1:${await closedPort()}`,
      keyPrefix: 'osb-compose-test:',
      commandTimeoutMs: 250,
      connectTimeoutMs: 250,
    });
    const unready = await brokerWithStore(downStore);
    try {
      expect(await exitCodeAgainst(healthy.port)).toBe(0);
      expect(await exitCodeAgainst(unready.port)).toBe(1);
    } finally {
      await new Promise((resolve) => healthy.server.close(resolve));
      await new Promise((resolve) => unready.server.close(resolve));
      await downStore.close();
    }
    expect(await exitCodeAgainst(unready.port)).toBe(1);
  });
});
