/**
 * Raw sockets and child processes for the shutdown and start-up tests: clients that stall on purpose, and the
 * production entry point (src/main.ts) run as a real process with a configuration file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startStsEmulator, type StsEmulator } from '../../dev/emulator/sts/index.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Resolves when the socket closes (from either side). */
export function closedPromise(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

/**
 * A client that sends a credential request's headers and part of its body, then stops: the server has a request
 * in flight that cannot finish by itself. `finish()` sends the rest. Resolves once a full request on another
 * connection has been answered, so the server has certainly read the stalled request's headers by then.
 */
export async function stalledRequest(port: number, headers: Record<string, string>, body: string, sent: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let response = '';
  socket.on('data', (chunk) => {
    response += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const head = [
    'POST /v1/credentials HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  await new Promise<void>((resolve) => socket.write(head + body.slice(0, sent), () => resolve()));
  await fetch(`http://127.0.0.1:${port}/healthz`);
  return {
    socket,
    closed: closedPromise(socket),
    response: () => response,
    finish: () => new Promise<void>((resolve) => socket.write(body.slice(sent), () => resolve())),
  };
}

/** Whether a new TCP connection to the port is refused. */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A free loopback port (listened on, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy from `port` to `target` (stands in for Redis coming up later). */
export async function tcpProxy(port: number, target: { host: string; port: number }): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface BrokerProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  events: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the first log line whose `event` is `name` (rejects if the process exits first). */
  waitFor(name: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node --import tsx src/main.ts` with the configuration written to a temporary YAML file. */
export function startBrokerProcess(config: object, env: Record<string, string>): BrokerProcess {
  const dir = mkdtempSync(path.join(tmpdir(), 'osb-main-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', BROKER_CONFIG: file, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ name: string; resolve: (e: Record<string, unknown>) => void }> = [];
  let err = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const w of waiters.filter((w) => w.name === event.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    events,
    stderr: () => err,
    exited,
    waitFor(name) {
      const seen = events.find((e) => e.event === name);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ name, resolve })),
        exited.then(({ code }) => {
          throw new Error(`broker exited (${code}) before logging ${name}: ${err}`);
        }),
      ]);
    },
  };
}

/** Polls `url` until it answers `status`, at most `attempts` times; returns whether it did. */
export async function eventually(url: string, status: number, attempts = 120): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === status) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export interface CloudIdentity {
  emulator: StsEmulator;
  accessKey: { accessKeyId: string; accessKeySecret: string };
  /** What a broker process needs to reach the emulator as production reaches STS: the AccessKey and the CA. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An STS emulator and the environment a broker process (src/main.ts) needs to have a cloud identity it accepts: the
 * AccessKey through the credentials chain, the one-run CA through NODE_EXTRA_CA_CERTS. Point `sts.endpoint` at
 * `emulator.endpoint`.
 */
export async function startCloudIdentity(roles: string[] = ['acs:ram::1234567890123456:role/partner']): Promise<CloudIdentity> {
  const dir = mkdtempSync(path.join(tmpdir(), 'osb-identity-'));
  const caFile = path.join(dir, 'sts-ca.pem');
  const accessKey = { accessKeyId: `LTAIid${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
  const emulator = await startStsEmulator({
    accessKeys: [accessKey],
    roles: roles.map((arn) => ({ arn })),
    sealKey: randomBytes(32),
    caFile,
  });
  return {
    emulator,
    accessKey,
    env: {
      ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.accessKeySecret,
      NODE_EXTRA_CA_CERTS: caFile,
    },
    async close() {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
