/**
 * Builds the one ioredis client of the process from the `redis` config section: standalone (`url`), Sentinel
 * (`sentinels` + `sentinelName`) or Cluster (`cluster`). The options are chosen so a request never hangs on Redis:
 *
 * - `commandTimeout`: every command has a deadline (ioredis has none by default, https://github.com/redis/ioredis/blob/main/API.md, and
 *   with its default retries a dead Redis fails a command only after ~73 s, measured here).
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once instead of queueing until reconnect.
 *   Callers turn that into StoreUnavailableError → 503, or a cache miss; never into a silent wait.
 * - `lazyConnect: true`: with the offline queue off, a command sent before the first connection is ready would fail,
 *   so start-up calls `RedisStore.connect()` explicitly and waits for `ready`.
 * - `maxRetriesPerRequest: 1` and `autoResendUnfulfilledCommands: false`: a command that was in flight when the link
 *   dropped has already timed out for its caller; replaying an INCR after reconnect would count a request twice.
 * - reconnect: capped exponential backoff that never gives up. The delay is bounded (≤ 2 s) rather than the number
 *   of attempts, so a replica recovers by itself when Redis comes back instead of needing a restart.
 *
 * And so a failover is followed without a restart (test/store/ha/ proves it on real Sentinel and Cluster set-ups):
 * - the reconnect loop above asks the Sentinels for the master on every attempt (Cluster: refreshes the slot map);
 *   Sentinel also closes the clients of a master it demotes, so they reconnect and ask.
 * - `reconnectOnError` on READONLY: a client still connected to a node that has become a replica (a managed Redis
 *   endpoint that moved, a demotion the Sentinels did not carry out) reconnects, and so finds the master again.
 *   It returns 1 (reconnect, do not resend): the failed command is reported to its caller, never replayed.
 * - NOT ioredis's `failoverDetector`: in ioredis 6.0.0 a `+switch-master` that arrives while the client is already
 *   reconnecting (the usual case when the master crashed) aborts that attempt with "Connection is closed" and
 *   leaves the client ended for good: the broker would need a restart. Seen in the Sentinel suite's kill test.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { BrokerConfig } from '../config/schema.js';
import { redisTopology } from '../config/redis-topology.js';

export type RedisConfig = BrokerConfig['redis'];
export type RedisClient = Redis | Cluster;
type NodeAddress = { host: string; port: number };

/** What createRedisClient will build: the mode and the exact ioredis options (unit-tested without a server). */
export type RedisConnectionPlan =
  | { mode: 'standalone'; url: string; options: RedisOptions }
  | { mode: 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: NodeAddress[]; options: ClusterOptions };

const MAX_RECONNECT_DELAY_MS = 2000;

/** Capped exponential backoff with a little jitter, so replicas do not reconnect in lock-step after an outage. */
function reconnectDelayMs(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/** A node that was demoted to replica answers writes with READONLY: reconnect (to the new master), do not resend. */
export function reconnectOnReadOnly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/**
 * Credentials and TLS for Sentinel / Cluster come from `url` when it is also given (`rediss://user:pass@…`): the
 * config has no separate password field, and secrets arrive through the URL's `*_FILE`/env override anyway.
 */
export function authFromUrl(url: string | undefined): Pick<RedisOptions, 'username' | 'password' | 'db'> & { tls?: boolean } {
  if (url === undefined) return {};
  const parsed = new URL(url);
  const out: Pick<RedisOptions, 'username' | 'password' | 'db'> & { tls?: boolean } = {};
  if (parsed.username !== '') out.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') out.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') out.tls = true;
  const db = parsed.pathname.replace(/^\//, '');
  if (/^\d+$/.test(db)) out.db = Number(db);
  return out;
}

/**
 * Node TLS options from the `tls` block (files read once, here, so a missing CA stops start-up), or undefined when
 * TLS is off. `rediss://` alone gives `{}`: TLS with the system CAs and full certificate checks. There is no switch
 * to turn certificate verification off.
 */
function tlsOptions(config: RedisConfig, readFile: (path: string) => Buffer): ConnectionOptions | undefined {
  const t = config.tls;
  if (t === undefined) return config.url?.startsWith('rediss://') ? {} : undefined;
  const out: ConnectionOptions = {};
  if (t.caFile !== undefined) out.ca = readFile(t.caFile);
  if (t.certFile !== undefined) out.cert = readFile(t.certFile);
  if (t.keyFile !== undefined) out.key = readFile(t.keyFile);
  if (t.serverName !== undefined) out.servername = t.serverName;
  return out;
}

function commonOptions(config: RedisConfig): RedisOptions {
  return {
    lazyConnect: true,
    // Off: a cache hit's two commands are written one after the other without waiting, so they still cost one round
    // trip. ioredis's auto-pipelining batches them into one write, but builds a Pipeline per batch whose constructor
    // defines an own `length` getter: a new hidden class per batch, allocated in the old generation, which kept each
    // batch's commands and the requests awaiting them alive until a full collection (measured with `--trace-gc-nvp`:
    // ~390 KB promoted per scavenge with it on, ~150 KB off; mark-compacts at half load 5 against 1).
    // https://github.com/redis/ioredis#autopipelining
    enableAutoPipelining: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    retryStrategy: reconnectDelayMs,
    reconnectOnError: reconnectOnReadOnly,
  };
}

const addresses = (nodes: ReadonlyArray<NodeAddress>): NodeAddress[] => nodes.map((n) => ({ host: n.host, port: n.port }));
const natMap = (config: RedisConfig) => (config.natMap === undefined ? {} : { natMap: structuredClone(config.natMap) });

export function redisConnectionPlan(config: RedisConfig, readFile: (path: string) => Buffer = readFileSync): RedisConnectionPlan {
  const tls = tlsOptions(config, readFile);
  const topology = redisTopology(config);
  if (topology === 'cluster' && config.cluster !== undefined) {
    const { db: _db, tls: _urlTls, ...auth } = authFromUrl(config.url); // Cluster has no databases.
    const { retryStrategy: _r, enableOfflineQueue: _q, lazyConnect: _l, ...nodeOptions } = commonOptions(config);
    return {
      mode: 'cluster',
      nodes: addresses(config.cluster),
      options: {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelayMs,
        ...natMap(config),
        redisOptions: { ...nodeOptions, ...auth, ...(tls === undefined ? {} : { tls }) },
      },
    };
  }
  if (topology === 'sentinel' && config.sentinels !== undefined) {
    if (config.sentinelName === undefined) throw new Error('redis.sentinelName is required with redis.sentinels');
    const { tls: _urlTls, ...auth } = authFromUrl(config.url);
    const sentinelTls = tls !== undefined && config.tls?.sentinels !== false;
    return {
      mode: 'sentinel',
      options: {
        ...commonOptions(config),
        ...auth,
        sentinels: addresses(config.sentinels),
        name: config.sentinelName,
        sentinelRetryStrategy: reconnectDelayMs,
        // A Sentinel that accepts the connection and never answers must not stall master discovery.
        sentinelCommandTimeout: config.connectTimeoutMs,
        ...(config.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinelPassword }),
        // ioredis ignores `tls` for the master/replica links unless enableTLSForSentinelMode is set.
        ...(tls === undefined ? {} : { tls, enableTLSForSentinelMode: true }),
        ...(sentinelTls ? { sentinelTLS: tls } : {}),
        ...natMap(config),
      },
    };
  }
  if (config.url !== undefined) {
    return { mode: 'standalone', url: config.url, options: { ...commonOptions(config), ...(tls === undefined ? {} : { tls }) } };
  }
  throw new Error('redis: set url, sentinels with sentinelName, or cluster');
}

export function createRedisClient(config: RedisConfig): RedisClient {
  const plan = redisConnectionPlan(config);
  switch (plan.mode) {
    case 'cluster':
      return new Cluster(plan.nodes, plan.options);
    case 'sentinel':
      return new Redis(plan.options);
    case 'standalone':
      return new Redis(plan.url, plan.options);
  }
}

/** The credentials a rotation may change while the broker runs (the rest of `redis` needs a restart). */
export interface RedisCredentials {
  username?: string | undefined;
  password?: string | undefined;
  /** Sentinel mode: the Sentinels' own password. */
  sentinelPassword?: string | undefined;
}

/**
 * Makes `client` authenticate with `credentials` from its next (re)connection on. Connections already open stay
 * as they are: Redis keeps a connection authenticated after its password changes, so nothing is dropped.
 * ioredis reads `options.username`/`password` (and, for Sentinel, `options.sentinelPassword`) afresh on every
 * connect (ioredis 6: Redis#_connect, SentinelConnector#connectToSentinel); a Cluster builds each node's client from
 * `redisOptions`, so the nodes it has and the template for new ones are both updated.
 */
export function setRedisCredentials(client: RedisClient, credentials: RedisCredentials): void {
  const apply = (options: RedisOptions) => {
    if (Object.hasOwn(credentials, 'username')) options.username = credentials.username;
    if (Object.hasOwn(credentials, 'password')) options.password = credentials.password;
    if (Object.hasOwn(credentials, 'sentinelPassword') && options.sentinels !== undefined) {
      options.sentinelPassword = credentials.sentinelPassword;
    }
  };
  if (client instanceof Cluster) {
    const template = client.options.redisOptions ?? {};
    apply(template);
    const pool = (client as unknown as { connectionPool?: { redisOptions?: RedisOptions } }).connectionPool;
    if (pool?.redisOptions !== undefined && pool.redisOptions !== template) apply(pool.redisOptions);
    for (const node of client.nodes('all')) apply(node.options);
    return;
  }
  apply(client.options);
}
