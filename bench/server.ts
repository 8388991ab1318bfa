/**
 * A benchmark child process: runs ONE server (the broker, the STS emulator or the bare-Express baseline) on
 * 127.0.0.1 with an ephemeral port, so the load generator in the parent never shares this event loop.
 *
 * Protocol (bench/protocol.ts) over the fork IPC channel: the parent sends `start` with a spec, the child answers
 * `ready` with its port; `stats` returns memory (rss sampled every 100 ms) and, for the emulator, its counters.
 * The child exits on `stop`, and by itself as soon as the IPC channel closes (the parent exited or was killed).
 */
import { Buffer } from 'node:buffer';
import type { Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { StsEmulator } from '../dev/emulator/sts/index.js';
import type { BaselineSpec, BrokerSpec, ChildMessage, ParentMessage, ServerSpec, StsSpec } from './protocol.js';

// Each kind imports only what it runs (dynamic imports below), so the baseline process is a bare Express app.

if (!process.send) {
  process.stderr.write('bench/server.ts is started by bench/run.ts (child_process.fork), not directly\n');
  process.exit(2);
}

function send(message: ChildMessage): void {
  if (process.connected) process.send!(message);
}

// Exit with the parent: when the IPC channel closes, nothing is left to serve.
process.on('disconnect', () => process.exit(0));
// A hard cap in case a parent keeps the channel open but forgets us (the whole bench runs ~1 minute).
setTimeout(() => process.exit(3), 10 * 60_000).unref();

let peakRss = process.memoryUsage.rss();
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
}, 100).unref();

// Event-loop delay (how late timers fire): tells a saturated or blocked server from one that waits on I/O.
// The histogram records whole timer intervals (resolution included); the stats subtract the resolution.
const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();
const lateMs = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);

let emulator: StsEmulator | undefined;
let closeServer: (() => Promise<void>) | undefined;

async function startSts(spec: StsSpec): Promise<number> {
  const { startStsEmulator } = await import('../dev/emulator/sts/index.js');
  emulator = await startStsEmulator({
    host: '127.0.0.1',
    port: 0,
    accessKeys: [spec.accessKey],
    roles: spec.roles.map((arn) => ({ arn, maxSessionDurationSeconds: 3600 })),
    sealKey: Buffer.from(spec.sealKey, 'base64'),
    latencyMs: spec.latencyMs,
  });
  closeServer = () => emulator!.close();
  return emulator.port;
}

async function startBroker(spec: BrokerSpec): Promise<number> {
  const [
    { pino },
    { createApp },
    { createAuthenticator },
    { parseConfig },
    { accessKeyCredential, createStsClient },
    { RedisStore },
    { createLogger },
    { systemClock },
    { listen },
  ] = await Promise.all([
    import('pino'),
    import('../src/app.js'),
    import('../src/auth/index.js'),
    import('../src/config/index.js'),
    import('../src/sts/index.js'),
    import('../src/store/index.js'),
    import('../src/shared/logger.js'),
    import('../src/shared/clock.js'),
    import('../src/runtime/server.js'),
  ]);
  // Production's rules and request handling; STS over HTTPS, trusting the emulator's one-run CA given in code.
  const config = parseConfig(spec.config);
  // The broker's logs at their configured level, serialized as in production, but written to /dev/null so that
  // piping them to the parent costs neither process CPU.
  const logger = createLogger(spec.logLevel as 'info', pino.destination({ dest: '/dev/null', sync: false }));
  const store = RedisStore.fromConfig(config.redis, logger);
  await store.connect();
  const { app } = createApp({
    config,
    store,
    sts: createStsClient({
      config: config.sts,
      clock: systemClock,
      credential: accessKeyCredential(spec.accessKey.accessKeyId, spec.accessKey.accessKeySecret),
      trustedCa: spec.stsTrustedCa,
      logger,
    }),
    authenticator: createAuthenticator({ clients: config.clients, clock: systemClock, localJwks: { [spec.devClientId]: spec.devJwks } }),
    encryptionKey: Buffer.from(spec.cacheKey, 'base64'),
    logger,
  });
  const server = await listen(app, 0, '127.0.0.1');
  closeServer = async () => {
    await closeHttp(server);
    await store.close();
  };
  return portOf(server);
}

async function startBaseline(spec: BaselineSpec): Promise<number> {
  const { default: express } = await import('express');
  const { listen } = await import('../src/runtime/server.js');
  const app = express();
  app.post('/v1/credentials', express.json(), (_req, res) => {
    res.json(spec.payload);
  });
  const server = await listen(app, 0, '127.0.0.1');
  closeServer = () => closeHttp(server);
  return portOf(server);
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no port');
  return address.port;
}

function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function start(spec: ServerSpec): Promise<number> {
  switch (spec.kind) {
    case 'sts':
      return startSts(spec);
    case 'broker':
      return startBroker(spec);
    case 'baseline':
      return startBaseline(spec);
  }
}

process.on('message', (message: ParentMessage) => {
  switch (message.cmd) {
    case 'start':
      start(message.spec).then(
        (port) => send({ type: 'ready', port, pid: process.pid, ...(emulator ? { stsCa: emulator.ca } : {}) }),
        (error: unknown) => {
          send({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
          setTimeout(() => process.exit(1), 100);
        },
      );
      break;
    case 'stats': {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      peakRss = Math.max(peakRss, memory.rss);
      send({
        type: 'stats',
        stats: {
          rss: memory.rss,
          peakRss,
          heapUsed: memory.heapUsed,
          cpuMicros: cpu.user + cpu.system,
          loopDelayMs: { p50: lateMs(loopDelay.percentile(50)), p99: lateMs(loopDelay.percentile(99)), max: lateMs(loopDelay.max) },
          ...(emulator ? { sts: { assumeRoleCalls: emulator.stats.assumeRoleCalls, byCode: { ...emulator.stats.byCode } } } : {}),
        },
      });
      if (message.resetPeak) {
        peakRss = memory.rss;
        loopDelay.reset();
      }
      break;
    }
    case 'stop': {
      const deadline = setTimeout(() => process.exit(0), 2000);
      void (closeServer?.() ?? Promise.resolve()).finally(() => {
        clearTimeout(deadline);
        process.exit(0);
      });
      break;
    }
  }
});
