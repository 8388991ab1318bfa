/**
 * Real redis-server / Sentinel processes for the HA suites: loopback only, free ports, one temporary directory per
 * set-up, nothing persisted (no RDB, no AOF), and every process killed when the set-up is stopped, when starting it
 * fails half-way, and when the test process exits (so a crashed worker leaves no Redis behind).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** `redis-sentinel` is Debian's name for `redis-server --sentinel` (the same binary); use whichever exists. */
export function sentinelCommand(): { command: string; args: string[] } {
  const found = spawnSync('redis-sentinel', ['--version'], { stdio: 'ignore' });
  return found.status === 0 ? { command: 'redis-sentinel', args: [] } : { command: 'redis-server', args: ['--sentinel'] };
}

/** True when redis-server 7+ and `redis-cli --cluster` can be run (what .ci/run installs). */
export function haToolsAvailable(): boolean {
  const server = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  const cli = spawnSync('redis-cli', ['--cluster', 'help'], { encoding: 'utf8' });
  const major = Number(/v=(\d+)/.exec(server.stdout ?? '')?.[1] ?? 0);
  // `redis-cli --cluster help` exits 1 even when it prints the help: look for the subcommand instead.
  return server.status === 0 && major >= 7 && /create\s+host1:port1/.test(`${cli.stdout}${cli.stderr}`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port, chosen by the OS. With `bus`, port + 10000 (Redis Cluster's bus port) must be free too.
 * Another process may take it before Redis binds; `startRedis` then reports the bind failure and callers retry.
 */
export async function freePort(options: { bus?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const p = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (!options.bus) return port;
    if (port + 10000 <= 65535 && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

export interface RedisProcess {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  /** Whatever the process wrote to its log (for failure messages). */
  log(): string;
  /** SIGKILL: the process dies at once, with no chance to flush or hand over (a crashed host). */
  kill(): Promise<void>;
}

/** An ioredis client for the harness itself (set-up, inspection), never the code under test. */
export function adminClient(port: number, password?: string): Redis {
  return new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
}

async function waitForPing(port: number, password: string | undefined, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis on port ${port} exited at start-up:\n${safeRead(logFile)}`);
    }
    const client = adminClient(port, password);
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not answer PING:\n${safeRead(logFile)}`);
    await sleep(50);
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts one redis-server (or Sentinel, with `sentinel`) in `parentDir`. `config` is written as a config file
 * (Sentinel needs a writable one: it records what it learns there), with the harness's fixed lines first.
 */
export async function startRedis(options: {
  parentDir: string;
  port: number;
  config?: string[];
  sentinel?: boolean;
  password?: string;
}): Promise<RedisProcess> {
  const dir = mkdtempSync(join(options.parentDir, `${options.sentinel ? 'sentinel' : 'redis'}-${options.port}-`));
  const logFile = join(dir, 'redis.log');
  const lines = [
    `port ${options.port}`,
    'bind 127.0.0.1',
    'protected-mode no',
    `dir ${dir}`,
    `logfile ${logFile}`,
    ...(options.sentinel ? [] : ['save ""', 'appendonly no', 'repl-diskless-sync yes', 'repl-diskless-sync-delay 0']),
    ...(options.config ?? []),
  ];
  const configFile = join(dir, options.sentinel ? 'sentinel.conf' : 'redis.conf');
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  const { command, args } = options.sentinel ? sentinelCommand() : { command: 'redis-server', args: [] };
  const child = spawn(command, [configFile, ...args], { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  try {
    await waitForPing(options.port, options.password, child, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port: options.port,
    dir,
    child,
    log: () => safeRead(logFile),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A temporary directory for one set-up, and the clean-up that kills its processes and removes it. */
export function processGroup(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `osb-ha-${name}-`));
  const processes: RedisProcess[] = [];
  return {
    dir,
    processes,
    /** startRedis with a fresh port, retried when another process took the port in between. */
    async start(options: { config: (port: number) => string[]; sentinel?: boolean; password?: string; bus?: boolean }) {
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort({ bus: options.bus });
        try {
          const p = await startRedis({
            parentDir: dir,
            port,
            config: options.config(port),
            sentinel: options.sentinel,
            password: options.password,
          });
          processes.push(p);
          return p;
        } catch (error) {
          lastError = error;
          if (!/Address already in use/i.test(String(error))) throw error;
        }
      }
      throw lastError;
    },
    async stop(): Promise<void> {
      await Promise.all(processes.map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(100);
  }
}
