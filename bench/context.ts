/**
 * What every scenario shares: the built servers, identities and keys of the run, and how to start a broker or an
 * STS emulator. Each broker gets its own Redis key prefix, removed at the end of the run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DevIssuer } from '../dev/issuer/dev-issuer.js';
import { BENCH_CLIENT_ID, EXAMPLE_ROLES, REQUEST_BODY, brokerConfig } from './broker-config.js';
import { spawnServer, type ChildServer } from './children.js';
import type { BuiltServers } from './build.js';
import type { AccessKeyPair } from './protocol.js';
import { SETTINGS } from './settings.js';

export interface BenchContext {
  built: BuiltServers;
  issuer: DevIssuer;
  accessKey: AccessKeyPair;
  cacheKey: string;
  runId: string;
  /** Redis key prefixes used by the run's servers (deleted at the end). */
  prefixes: string[];
  log(line: string): void;
}

export interface BrokerOptions {
  sts: ChildServer;
  maxCallsPerSecond: number;
  store?: 'redis' | 'memory';
  cache?: Record<string, unknown>;
  execArgv?: string[];
}

export async function createContext(built: BuiltServers, issuer: DevIssuer, log: (line: string) => void): Promise<BenchContext> {
  return {
    built,
    issuer,
    accessKey: { accessKeyId: `LTAIbench${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') },
    cacheKey: randomBytes(32).toString('base64'),
    runId: randomBytes(4).toString('hex'),
    prefixes: [],
    log,
  };
}

export function startSts(ctx: BenchContext, name: string, latencyMs: number): Promise<ChildServer> {
  return spawnServer(
    name,
    { kind: 'sts', latencyMs, accessKey: ctx.accessKey, roles: EXAMPLE_ROLES, sealKey: randomBytes(32).toString('base64') },
    { entry: ctx.built.serverEntry, pin: SETTINGS.pin },
  );
}

/**
 * The node flags production runs the broker with: those of package.json's `start:prod` (the image sets the same in
 * NODE_OPTIONS and its CMD; test/architecture/dockerfile.test.ts checks that they agree). Every broker in the run gets
 * them, so its heap is bounded and garbage-collected as in production.
 */
function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['start:prod'] ?? '';
  const flags = script.split(/\s+/).filter((word) => word.startsWith('--'));
  if (flags.length === 0) throw new Error('package.json start:prod names no node flags; the bench would run an unbounded heap');
  return flags;
}

export function startBroker(ctx: BenchContext, name: string, options: BrokerOptions): Promise<ChildServer> {
  const keyPrefix = `osbbench:${ctx.runId}:${name}:`;
  ctx.prefixes.push(keyPrefix);
  const store = options.store ?? 'redis';
  const execArgv = [
    ...productionNodeFlags(),
    ...(options.execArgv ?? []),
    ...(SETTINGS.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', SETTINGS.cpuProfileDir] : []),
    ...SETTINGS.brokerNodeFlags,
  ];
  return spawnServer(
    name,
    {
      kind: 'broker',
      distDir: ctx.built.distDir,
      store,
      config: brokerConfig({
        devClient: ctx.issuer.clientConfig(BENCH_CLIENT_ID) as unknown as Record<string, unknown>,
        stsPort: options.sts.port,
        maxCallsPerSecond: options.maxCallsPerSecond,
        redisUrl: SETTINGS.redisUrl,
        keyPrefix,
        store,
        cacheKey: ctx.cacheKey,
        logLevel: SETTINGS.logLevel,
        ...(options.cache ? { cache: options.cache } : {}),
      }),
      devClientId: BENCH_CLIENT_ID,
      devJwks: ctx.issuer.jwks,
      accessKey: ctx.accessKey,
      stsTrustedCa: options.sts.stsCa ?? '',
      cacheKey: ctx.cacheKey,
      logLevel: SETTINGS.logLevel,
    },
    {
      entry: ctx.built.serverEntry,
      pin: SETTINGS.pin,
      execArgv,
      ...(SETTINGS.brokerOutputDir ? { outputFile: join(SETTINGS.brokerOutputDir, `${name}.log`) } : {}),
    },
  );
}

/** One POST /v1/credentials with a token; the status and the body as text. */
export async function postOnce(port: number, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: REQUEST_BODY,
    signal: AbortSignal.timeout(SETTINGS.requestTimeoutMs),
  });
  return { status: res.status, text: await res.text() };
}

/** Mints `count` tokens for subjects `<prefix>0..`, in parallel batches. */
export async function mintTokens(issuer: DevIssuer, prefix: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, (_, k) => issuer.issue({ sub: `${prefix}${i + k}`, tenant: 'acme' }));
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/**
 * Sends one request per token, `concurrency` at a time, and again for those not answered 200 (up to `passes`
 * times): filling a cache is not a measurement, and an overloaded machine may time out a few Redis commands.
 * Returns what still failed after the last pass (status and the start of the body → count).
 */
export async function touchAll(port: number, tokens: readonly string[], concurrency: number, passes = 3): Promise<Record<string, number>> {
  let pending = [...tokens];
  let failures: Record<string, number> = {};
  for (let pass = 0; pass < passes && pending.length > 0; pass++) {
    const failed: string[] = [];
    failures = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pending.length) {
        const token = pending[next++]!;
        const { status, text } = await postOnce(port, token).catch((error: unknown) => ({ status: 0, text: String(error) }));
        if (status !== 200) {
          failed.push(token);
          const key = `${status} ${text.slice(0, 120)}`;
          failures[key] = (failures[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    pending = failed;
  }
  return pending.length === 0 ? {} : failures;
}

export async function deleteKeys(prefixes: readonly string[]): Promise<number> {
  const redis = new Redis(SETTINGS.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let deleted = 0;
  try {
    await redis.connect();
    for (const prefix of prefixes) {
      let cursor = '0';
      let rounds = 0;
      do {
        const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = nextCursor;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0' && ++rounds < 100_000);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Same shape and size as a response, every string replaced by filler of the same length. */
export function sameShape(value: unknown): unknown {
  if (typeof value === 'string') return 'x'.repeat(value.length);
  if (Array.isArray(value)) return value.map(sameShape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sameShape(v)]));
  }
  return value;
}
