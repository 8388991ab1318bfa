/**
 * A benchmark child process: runs ONE server (the broker, the STS emulator, the bare-Express baseline or the fair
 * baseline) on 127.0.0.1 with an ephemeral port, so the load generator in the parent never shares this event loop.
 * The broker's modules come from the compiled build (spec.distDir, i.e. dist/), never from src/.
 *
 * Protocol (bench/protocol.ts) over the fork IPC channel: the parent sends `start` with a spec, the child answers
 * `ready` with its port; `stats` returns memory (rss sampled every 100 ms) and, for the emulator, its counters; `gc`
 * forces a full collection (when started with --expose-gc) and reports the live heap; `alloc` counts the bytes the JS
 * heap allocates between a start and a stop.
 * The child exits on `stop`, and by itself as soon as the IPC channel closes (the parent exited or was killed).
 */
import { Buffer } from 'node:buffer';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { GCProfiler, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import type { StsEmulator } from '../dev/emulator/sts/index.js';
import type {
  BaselineSpec,
  BrokerSpec,
  ChildMessage,
  FairBaselineSpec,
  GcPause,
  LimitBaselineSpec,
  ParentMessage,
  ServerSpec,
  StsSpec,
} from './protocol.js';

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
// A hard cap in case a parent keeps the channel open but forgets us (the soak runs ~12 minutes).
setTimeout(() => process.exit(3), 30 * 60_000).unref();

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

/**
 * Every garbage-collection pause of the last minute, with its wall-clock start, so the parent can line pauses up
 * with the requests of a paced run (which were slow because of a pause, and which kind of collection it was).
 * The observer reports each collection after it ends (https://nodejs.org/api/perf_hooks.html#garbage-collection-gc-details).
 */
const PAUSE_KINDS: Record<number, GcPause['kind']> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
const PAUSES_KEPT_MS = 60_000;
const pauses: GcPause[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = PAUSE_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
    pauses.push({ atEpochMs: performance.timeOrigin + entry.startTime, ms: entry.duration, kind });
  }
  const cutoff = Date.now() - PAUSES_KEPT_MS;
  while (pauses.length > 0 && pauses[0]!.atEpochMs < cutoff) pauses.shift();
}).observe({ entryTypes: ['gc'] });

/**
 * Bytes allocated on the JS heap over a window. Node 20 exposes no allocation counter, but every byte allocated is
 * either still in use at the end or was freed by a collection in between: allocated = used(end) - used(start) + the
 * sum over collections of (used before - used after), read from v8.GCProfiler, which records the heap statistics
 * around each collection (https://nodejs.org/api/v8.html#class-v8gcprofiler). Its cost is per collection, not per
 * allocation. Buffers outside the heap (socket data) are not counted.
 */
let allocation: { profiler: GCProfiler; usedAtStart: number } | undefined;

/**
 * Diagnosis (BENCH_HEAP_PROFILE=<dir>, broker processes only): the sampling heap profiler over every allocation
 * window, counting objects already collected too, so the profile says where the garbage of a request comes from.
 * One `<pid>-<n>.heapprofile` per window (open in Chrome DevTools, Memory tab).
 */
const heapProfileDir = process.env.BENCH_HEAP_PROFILE;
let heapSession: Session | undefined;
let heapProfiles = 0;

function post(session: Session, method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

async function heapProfileStart(): Promise<void> {
  if (heapProfileDir === undefined || !isBroker) return;
  heapSession ??= new Session();
  heapSession.connect();
  await post(heapSession, 'HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    // BENCH_HEAP_PROFILE_PROMOTED=1: leave out what the young generation collected, so the profile holds what was
    // promoted to the old generation (and died there, or is still live): the garbage that costs mark-compacts.
    includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP_PROFILE_PROMOTED !== '1',
  });
}

async function heapProfileStop(): Promise<void> {
  if (heapProfileDir === undefined || heapSession === undefined) return;
  const { profile } = (await post(heapSession, 'HeapProfiler.stopSampling')) as { profile: unknown };
  heapSession.disconnect();
  heapProfiles += 1;
  mkdirSync(heapProfileDir, { recursive: true });
  writeFileSync(join(heapProfileDir, `${process.pid}-${heapProfiles}.heapprofile`), JSON.stringify(profile));
}

function allocationStart(): void {
  allocation?.profiler.stop();
  const profiler = new GCProfiler();
  profiler.start();
  allocation = { profiler, usedAtStart: getHeapStatistics().used_heap_size };
}

function allocationStop(): { bytes: number; collections: number; gcPauseMs: number } {
  if (allocation === undefined) return { bytes: 0, collections: 0, gcPauseMs: 0 };
  const { profiler, usedAtStart } = allocation;
  allocation = undefined;
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const statistics = profiler.stop()?.statistics ?? [];
  let freed = 0;
  let pauseUs = 0;
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    pauseUs += gc.cost;
  }
  return { bytes: usedAtEnd - usedAtStart + freed, collections: statistics.length, gcPauseMs: pauseUs / 1000 };
}

let emulator: StsEmulator | undefined;
let isBroker = false;
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

/** One module of the compiled build, typed as its source. */
function fromDist<T>(distDir: string, path: string): Promise<T> {
  return import(pathToFileURL(join(distDir, path)).href) as Promise<T>;
}

async function startBroker(spec: BrokerSpec): Promise<number> {
  isBroker = true;
  const dist = spec.distDir;
  const [
    { createApp },
    { authenticatorFromConfig },
    { parseConfig },
    { accessKeyCredential, createStsClient },
    { MemoryStore, RedisStore },
    { createLogger },
    { createLogDestination },
    { systemClock },
    { listen },
  ] = await Promise.all([
    fromDist<typeof import('../src/app.js')>(dist, 'app.js'),
    fromDist<typeof import('../src/auth/index.js')>(dist, 'auth/index.js'),
    fromDist<typeof import('../src/runtime/load-config.js')>(dist, 'runtime/load-config.js'),
    fromDist<typeof import('../src/sts/index.js')>(dist, 'sts/index.js'),
    fromDist<typeof import('../src/store/index.js')>(dist, 'store/index.js'),
    fromDist<typeof import('../src/shared/logger.js')>(dist, 'shared/logger.js'),
    fromDist<typeof import('../src/shared/log-destination.js')>(dist, 'shared/log-destination.js'),
    fromDist<typeof import('../src/shared/clock.js')>(dist, 'shared/clock.js'),
    fromDist<typeof import('../src/runtime/server.js')>(dist, 'runtime/server.js'),
  ]);
  // Production's rules and request handling; STS over HTTPS, trusting the emulator's one-run CA given in code.
  const config = parseConfig(spec.config, { memoryStore: spec.store === 'memory', shortReuseWindow: true });
  // The broker's logs at their configured level, serialized and written as in production (its asynchronous,
  // batched destination), but to /dev/null, so that piping them to the parent costs neither process CPU.
  const logger = createLogger(spec.logLevel as 'info', createLogDestination({ fd: openSync('/dev/null', 'w') }));
  const store = spec.store === 'memory' ? new MemoryStore() : RedisStore.fromConfig(config.redis, logger);
  if (store instanceof RedisStore) await store.connect();
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
    authenticator: authenticatorFromConfig(config, { clock: systemClock, localJwks: { [spec.devClientId]: spec.devJwks } }),
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
  const app = express();
  app.post('/v1/credentials', express.json(), (_req, res) => {
    res.json(spec.payload);
  });
  const server = await listenOn(app);
  closeServer = () => closeHttp(server);
  return portOf(server);
}

async function startFairBaseline(spec: FairBaselineSpec): Promise<number> {
  const [{ default: express }, { createLocalJWKSet, jwtVerify }, { Redis }] = await Promise.all([
    import('express'),
    import('jose'),
    import('ioredis'),
  ]);
  const keys = createLocalJWKSet(spec.jwks);
  const redis = new Redis(spec.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: true });
  await redis.connect();
  // What the GET reads: a value of the response's size per subject, written on a subject's first request.
  const value = JSON.stringify(spec.payload);
  const app = express();
  app.post('/v1/credentials', express.json(), async (req, res) => {
    const header = req.headers.authorization ?? '';
    try {
      const { payload } = await jwtVerify(header.slice('Bearer '.length), keys, {
        algorithms: ['ES256'],
        issuer: spec.issuer,
        audience: spec.audience,
      });
      const key = `${spec.keyPrefix}fair:${String(payload.sub)}`;
      if ((await redis.get(key)) === null) await redis.set(key, value, 'PX', 30 * 60_000);
      res.json(spec.payload);
    } catch {
      res.status(401).json({ code: 'unauthenticated' });
    }
  });
  const server = await listenOn(app);
  closeServer = async () => {
    await closeHttp(server);
    redis.disconnect();
  };
  return portOf(server);
}

/** A fixed-window count, as one of the broker's rate limits: INCR, and the window's expiry on the first hit. */
const LIMIT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

async function startLimitBaseline(spec: LimitBaselineSpec): Promise<number> {
  const [{ default: express }, { Redis }] = await Promise.all([import('express'), import('ioredis')]);
  const redis = new Redis(spec.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: true });
  await redis.connect();
  const sha = (await redis.script('LOAD', LIMIT_SCRIPT)) as string;
  const app = express();
  app.post('/v1/credentials', express.json(), async (req, res) => {
    // A key per caller without verifying anything: the token's last characters (its signature) are as good as any.
    const key = `${spec.keyPrefix}limit:${(req.headers.authorization ?? '').slice(-16)}`;
    try {
      // As the broker's store does: a SCRIPT FLUSH (other tests on a shared Redis) empties the script cache.
      await redis.evalsha(sha, 1, key, '60000').catch((error: unknown) => {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return redis.eval(LIMIT_SCRIPT, 1, key, '60000');
        throw error;
      });
      res.json(spec.payload);
    } catch {
      res.status(503).json({ code: 'store_unavailable' });
    }
  });
  const server = await listenOn(app);
  closeServer = async () => {
    await closeHttp(server);
    redis.disconnect();
  };
  return portOf(server);
}

/** As the broker's runtime/server.ts listens: `app.listen` on loopback, no other server settings. */
function listenOn(app: { listen(port: number, host: string): Server }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1');
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
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
    case 'fair':
      return startFairBaseline(spec);
    case 'limit':
      return startLimitBaseline(spec);
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
      peakRss = Math.max(peakRss, memory.rss);
      send({
        type: 'stats',
        stats: {
          rss: memory.rss,
          peakRss,
          heapUsed: memory.heapUsed,
          heapTotal: memory.heapTotal,
          external: memory.external,
          loopDelayMs: { p50: lateMs(loopDelay.percentile(50)), p99: lateMs(loopDelay.percentile(99)), max: lateMs(loopDelay.max) },
          ...(emulator ? { sts: { ...emulator.stats, byCode: { ...emulator.stats.byCode } } } : {}),
        },
      });
      if (message.resetPeak) {
        peakRss = memory.rss;
        loopDelay.reset();
      }
      break;
    }
    case 'gc': {
      const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc;
      if (gc) gc({ type: 'major', execution: 'sync' });
      // Diagnosis (BENCH_HEAP_SNAPSHOT=<dir>): the live heap at each forced collection, for Chrome DevTools.
      const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
      if (snapshotDir) writeHeapSnapshot(join(snapshotDir, `${process.pid}-${Date.now()}.heapsnapshot`));
      send({ type: 'gc', liveHeap: gc ? process.memoryUsage().heapUsed : null, rss: process.memoryUsage.rss() });
      break;
    }
    case 'alloc':
      if (message.action === 'start') {
        void heapProfileStart().then(() => {
          allocationStart();
          send({ type: 'alloc', bytes: 0, collections: 0, gcPauseMs: 0 });
        });
      } else {
        const counted = allocationStop();
        // Diagnosis (BENCH_HEAP_SNAPSHOT=<dir>): what a broker still holds right after a measured window's load.
        if (isBroker && process.env.BENCH_HEAP_SNAPSHOT) {
          writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `${process.pid}-${Date.now()}-after-load.heapsnapshot`));
        }
        void heapProfileStop().then(() => send({ type: 'alloc', ...counted }));
      }
      break;
    case 'pauses':
      send({ type: 'pauses', pauses: pauses.filter((p) => p.atEpochMs + p.ms >= message.sinceEpochMs) });
      break;
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
