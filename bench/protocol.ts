/**
 * The messages between the benchmark's parent (bench/run.ts, the load generator) and its child servers
 * (bench/server.ts), sent over the Node IPC channel of child_process.fork. One child runs one server kind.
 */
import type { JSONWebKeySet } from 'jose';
import type { StsEmulatorStats } from '../dev/emulator/sts/index.js';

export interface AccessKeyPair {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The STS emulator with added latency per response (the realistic round trip to STS). */
export interface StsSpec {
  kind: 'sts';
  latencyMs: number;
  accessKey: AccessKeyPair;
  roles: string[];
  /** 32 bytes, base64. */
  sealKey: string;
}

/** The whole broker from the compiled build, assembled with createApp as test/helpers/broker.ts does. */
export interface BrokerSpec {
  kind: 'broker';
  /** Absolute path of the compiled build (dist/) the broker's modules are loaded from. */
  distDir: string;
  /** The raw configuration (parsed by parseConfig in the child). */
  config: Record<string, unknown>;
  /** `redis`: the Redis store of the config; `memory`: the in-memory store (one process, development use). */
  store: 'redis' | 'memory';
  devClientId: string;
  devJwks: JSONWebKeySet;
  accessKey: AccessKeyPair;
  /** PEM of the STS emulator's one-run CA: the broker reaches STS over HTTPS only and trusts this CA in code. */
  stsTrustedCa: string;
  /** 32 bytes, base64 (also `cache.encryptionKey`). */
  cacheKey: string;
  /** pino level of the broker's request and audit logs; written to /dev/null (serialization cost kept, no I/O). */
  logLevel: string;
}

/** The baseline: a bare Express 5 app, `express.json()` + `res.json(payload)`. */
export interface BaselineSpec {
  kind: 'baseline';
  /** What the endpoint answers: an object shaped and sized like the broker's credential response. */
  payload: unknown;
}

/**
 * The fair baseline: what any authenticated, Redis-backed Express endpoint pays. `express.json()`, an ES256 JWT
 * verified with jose against the same key set, issuer and audience as the broker (no memo), one Redis GET of a
 * per-subject key, then `res.json(payload)`.
 */
export interface FairBaselineSpec {
  kind: 'fair';
  payload: unknown;
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  redisUrl: string;
  keyPrefix: string;
}

/**
 * The limit baseline: the least a broker cache hit can cost. `express.json()`, ONE Redis round trip (a small
 * EVALSHA: a fixed-window INCR on a key of the caller's, as one rate-limit count is), then `res.json(payload)` of the
 * broker's response shape and size. No authentication and no audit line: what is left above this is the broker's.
 */
export interface LimitBaselineSpec {
  kind: 'limit';
  payload: unknown;
  redisUrl: string;
  keyPrefix: string;
}

export type ServerSpec = StsSpec | BrokerSpec | BaselineSpec | FairBaselineSpec | LimitBaselineSpec;

export type ParentMessage =
  | { cmd: 'start'; spec: ServerSpec }
  | { cmd: 'stats' /** Restart the peak-RSS and event-loop-delay windows after answering. */; resetPeak?: boolean }
  /** Force a full garbage collection (needs --expose-gc) and report the heap that is still live. */
  | { cmd: 'gc' }
  /** Start (or stop and report) counting the bytes the JS heap allocates (v8.GCProfiler; see bench/server.ts). */
  | { cmd: 'alloc'; action: 'start' | 'stop' }
  /** The garbage-collection pauses the child recorded since a wall-clock time (epoch ms). */
  | { cmd: 'pauses'; sinceEpochMs: number }
  | { cmd: 'stop' };

/** One garbage-collection pause of a child, from its PerformanceObserver ('gc' entries). */
export interface GcPause {
  /** When it began, epoch ms (performance.timeOrigin + startTime: comparable across processes on one machine). */
  atEpochMs: number;
  ms: number;
  /** scavenge (young generation), mark-compact (full), incremental (a step of incremental marking), weak-callbacks. */
  kind: 'scavenge' | 'mark-compact' | 'incremental' | 'weak-callbacks' | 'other';
}

export interface ChildStats {
  /** process.memoryUsage().rss now, bytes. */
  rss: number;
  /** Highest rss sampled every 100 ms since start (or the last resetPeak), bytes. */
  peakRss: number;
  heapUsed: number;
  /** V8's heap as reserved (used or not), bytes. */
  heapTotal: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, ArrayBuffers), bytes. */
  external: number;
  /** How late a 10 ms timer fired (event-loop delay), since start or the last resetPeak, ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** The emulator's counters (sts kind only). */
  sts?: StsEmulatorStats;
}

export type ChildMessage =
  | { type: 'ready'; port: number; pid: number /** The STS emulator's CA (sts kind only). */; stsCa?: string }
  | { type: 'stats'; stats: ChildStats }
  /** Heap in use right after a forced full GC, bytes (the live heap); null when gc is not exposed. */
  | { type: 'gc'; liveHeap: number | null; rss: number }
  /** Bytes allocated on the JS heap since `alloc start` (0 after a start), and the collections in between. */
  | { type: 'alloc'; bytes: number; collections: number; gcPauseMs: number }
  | { type: 'pauses'; pauses: GcPause[] }
  | { type: 'error'; message: string };
