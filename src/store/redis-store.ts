/**
 * KeyValueStore on Redis, shared by every replica. Two rules hold for every method:
 * - keys are prefixed with `redis.keyPrefix` here (not with ioredis's `keyPrefix` option, which does not reach
 *   script KEYS or raw `call`s consistently), so several deployments can share one Redis;
 * - every failure (timeout, closed connection, offline, even a reply error) leaves as StoreUnavailableError, so
 *   callers have exactly one thing to handle and no ioredis error text decides behaviour elsewhere.
 */
import { performance } from 'node:perf_hooks';
import { Cluster } from 'ioredis';
import { authFromUrl, createRedisClient, setRedisCredentials, type RedisClient, type RedisConfig } from './redis-client.js';
import { DECREMENT_EXISTING, DELETE_IF_EQUALS, INCREMENT_WINDOW, type LuaScript } from './lua-scripts.js';
import { errorMessage, silentLogger, type StoreLogger } from './logger.js';
import { assertTtl } from './ttl.js';
import { StoreUnavailableError, type KeyValueStore } from './types.js';
import { inSpan, type SpanOptions } from '../tracing/index.js';

/** The span options of each operation, made once: a store call is on every request. */
const SPANS = new Map<string, { name: string; options: SpanOptions }>();
function spanOf(op: string): { name: string; options: SpanOptions } {
  let span = SPANS.get(op);
  if (span === undefined) {
    span = { name: `redis.${op}`, options: { onlyInTrace: true, attributes: { 'db.system.name': 'redis', 'db.operation.name': op } } };
    SPANS.set(op, span);
  }
  return span;
}

/** Log ioredis connection errors at most this often: a down Redis emits one per reconnect attempt. */
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface RedisStoreOptions {
  logger?: StoreLogger;
  /**
   * Bound on the whole of `connect()` (TCP, handshake, ready check). ioredis bounds each step but not their sum:
   * against a server that accepts and never answers, every handshake command waits its own commandTimeout.
   */
  connectDeadlineMs?: number;
}

export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private lastErrorLog = 0;
  private readonly logger: StoreLogger;
  private readonly duplicates = new Set<RedisClient>();
  private readonly connectDeadlineMs: number;

  constructor(
    /** The raw client, for /readyz details and shutdown. Prefer the methods: they map errors and add the prefix. */
    readonly client: RedisClient,
    readonly keyPrefix: string,
    options: RedisStoreOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.connectDeadlineMs = options.connectDeadlineMs ?? 5000;
    // Without a listener ioredis prints every connection error to stderr; route them to the log, rate-limited.
    client.on('error', (error: unknown) => {
      const now = Date.now();
      if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
      this.lastErrorLog = now;
      this.logger.warn({ event: 'store.redis.error', err: this.safeText(errorMessage(error)) }, 'redis connection error');
    });
    // Every (re)connection is worth one line: it is when /readyz turns green again.
    client.on('ready', () => this.logger.info?.({ event: 'store.redis.ready' }, 'redis ready'));
  }

  /**
   * Another connection of the same kind with the same options (a subscriber), whose credentials follow
   * `updateCredentials` like the store's own. Its owner closes it; it is forgotten when it ends.
   */
  duplicateClient(): RedisClient {
    const duplicate: RedisClient = this.client instanceof Cluster ? this.client.duplicate() : this.client.duplicate();
    this.duplicates.add(duplicate);
    duplicate.once('end', () => this.duplicates.delete(duplicate));
    return duplicate;
  }

  /**
   * A rotated Redis password (BROKER_REDIS_URL or BROKER_REDIS_SENTINEL_PASSWORD from KMS): every connection of the
   * store authenticates with it from its next (re)connection on; open connections stay authenticated.
   */
  updateCredentials(next: { url?: string | undefined; sentinelPassword?: string | undefined }): void {
    const credentials: Parameters<typeof setRedisCredentials>[1] = {};
    if (Object.hasOwn(next, 'url')) {
      const { username, password } = authFromUrl(next.url);
      Object.assign(credentials, { username, password });
    }
    if (Object.hasOwn(next, 'sentinelPassword')) credentials.sentinelPassword = next.sentinelPassword;
    for (const client of [this.client, ...this.duplicates]) setRedisCredentials(client, credentials);
  }

  static fromConfig(config: RedisConfig, logger?: StoreLogger): RedisStore {
    return new RedisStore(createRedisClient(config), config.keyPrefix, {
      logger,
      connectDeadlineMs: config.connectTimeoutMs,
    });
  }

  /**
   * Opens the connection and waits until it is ready (start-up). On failure the client keeps reconnecting in the
   * background, so the caller may choose to start anyway and let /readyz report not-ready.
   */
  async connect(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${this.connectDeadlineMs} ms`)), this.connectDeadlineMs);
    });
    // Idle client: open it. Already (re)connecting after an earlier failed attempt: wait for it to become ready.
    const becomingReady =
      client.status === 'wait' || client.status === 'end'
        ? client.connect()
        : new Promise<void>((resolve) => {
            onReady = resolve;
            client.once('ready', resolve);
          });
    becomingReady.catch(() => {}); // After the deadline wins, a late rejection must not be unhandled.
    try {
      await this.wrap('connect', () => Promise.race([becomingReady, deadline]));
    } finally {
      clearTimeout(timer);
      if (onReady !== undefined) client.off('ready', onReady);
    }
  }

  /**
   * Start-up that survives Redis being down: one bounded attempt to connect (so a normal start is ready at once),
   * and if Redis does not answer, resolve anyway. The process then serves, /readyz reports not ready and requests
   * get 503 store_unavailable until Redis answers, instead of exiting and crash-looping. The client keeps
   * reconnecting with its capped backoff (redis-client.ts) after a failed first attempt. Resolves to whether Redis
   * is ready.
   */
  async connectOrContinue(): Promise<boolean> {
    try {
      await this.connect();
      return true;
    } catch (error) {
      const failure = error instanceof StoreUnavailableError ? error.describe() : { reason: this.safeText(errorMessage(error)) };
      this.logger.warn(
        { event: 'store.redis.not_ready', ...failure },
        'redis not reachable at start-up; answering 503 store_unavailable and reconnecting in the background',
      );
      return false;
    }
  }

  async get(key: string): Promise<string | null> {
    return this.wrap('get', () => this.client.get(this.keyPrefix + key));
  }

  async set(key: string, value: string, ttlMs: number, options?: { onlyIfAbsent?: boolean }): Promise<boolean> {
    const px = assertTtl(ttlMs);
    const k = this.keyPrefix + key;
    const reply = await this.wrap('set', () =>
      options?.onlyIfAbsent === true ? this.client.call('SET', k, value, 'PX', px, 'NX') : this.client.call('SET', k, value, 'PX', px),
    );
    return reply === 'OK';
  }

  async del(key: string): Promise<void> {
    await this.wrap('del', () => this.client.del(this.keyPrefix + key));
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    const reply = await this.script('deleteIfEquals', DELETE_IF_EQUALS, key, value);
    return reply === 1;
  }

  async incrementWindow(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const reply = await this.script('incrementWindow', INCREMENT_WINDOW, key, String(assertTtl(windowMs)));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new StoreUnavailableError('redis incrementWindow: unexpected reply', { operation: 'incrementWindow' });
    }
    return { count: reply[0], resetInMs: Math.max(0, reply[1]) };
  }

  async decrement(key: string): Promise<void> {
    await this.script('decrement', DECREMENT_EXISTING, key);
  }

  async ping(): Promise<void> {
    await this.wrap('ping', () => this.client.ping());
  }

  /**
   * Runs a Lua script of the caller's (quotas/'s byte ledger) as one atomic step: keys get the prefix, the script
   * is sent by its SHA-1 and once in full when Redis has forgotten it, and a failure leaves as StoreUnavailableError
   * naming `op`, like every other method. The keys must share one hash slot in Redis Cluster (one `{hash tag}`).
   */
  runScript(op: string, lua: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    // Keys and arguments in one array, sized once, passed as ioredis's `evalsha(sha1, numkeys, keys[])` form: ioredis
    // copies an array argument once (its Command flattens its arguments), where spread arguments are copied again at
    // each layer of its call chain (the command method, and the pipeline's when auto-pipelining is on).
    const argv = new Array<string>(keys.length + args.length);
    for (let i = 0; i < keys.length; i++) argv[i] = this.keyPrefix + keys[i];
    for (let i = 0; i < args.length; i++) argv[keys.length + i] = args[i]!;
    return this.run(op, lua, keys.length, argv);
  }

  /**
   * Raw command for code that speaks Redis itself (e.g. rate-limit-redis's `sendCommand`). Keys are NOT prefixed
   * here; errors are still mapped to StoreUnavailableError.
   */
  async sendCommand(command: string, ...args: Array<string | number>): Promise<unknown> {
    return this.wrap(command, () => this.client.call(command, ...args));
  }

  async close(): Promise<void> {
    if (this.client.status === 'end' || this.client.status === 'wait') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      // quit fails when the link is already down; disconnect stops the reconnect loop either way.
      this.client.disconnect();
    }
  }

  /** A script of one key and at most one argument (the store's own scripts). */
  private script(op: string, lua: LuaScript, key: string, arg?: string): Promise<unknown> {
    return this.run(op, lua, 1, arg === undefined ? [this.keyPrefix + key] : [this.keyPrefix + key, arg]);
  }

  /**
   * Runs a script on already-prefixed keys (`argv`: the keys, then the arguments). Not async, like the methods above
   * it: `wrap` maps every failure, and each async layer more would cost a promise and a suspended frame per call.
   */
  private run(op: string, lua: LuaScript, numKeys: number, argv: string[]): Promise<unknown> {
    return this.wrap(op, async () => {
      try {
        return await this.client.evalsha(lua.sha1, numKeys, argv);
      } catch (error) {
        // The script cache is empty after a restart, failover or SCRIPT FLUSH: send the source once.
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
          return this.client.eval(lua.source, numKeys, argv);
        }
        throw error;
      }
    });
  }

  /** Every failure leaves as StoreUnavailableError naming the operation, the time it took and the cause. */
  private async wrap<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    try {
      // One span per store call, named by the operation; never the key (it names a principal or a cache entry).
      const span = spanOf(op);
      return await inSpan(span.name, span.options, fn);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      const elapsedMs = Math.round(performance.now() - startedAt);
      const reason = this.safeText(errorMessage(error));
      throw new StoreUnavailableError(`redis ${op} failed after ${elapsedMs} ms: ${reason}`, { operation: op, elapsedMs, cause: error });
    }
  }

  /**
   * ioredis and Redis messages name no keys, but a script error could quote one; keys carry principals and token
   * hashes, so anything from the key prefix to the next space is cut from a cause's text before it is logged.
   */
  private safeText(text: string): string {
    if (this.keyPrefix === '') return text;
    return text
      .split(this.keyPrefix)
      .map((part, i) => (i === 0 ? part : `<key>${part.replace(/^\S*/, '')}`))
      .join('');
  }
}
