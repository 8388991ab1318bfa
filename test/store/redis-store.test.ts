/**
 * What only RedisStore does: key prefixing, the script cache fallback, client construction per topology, and the
 * deadline rule: an unreachable or stalled Redis rejects with StoreUnavailableError instead of hanging, and no raw
 * ioredis error escapes. No timing is asserted; the test timeout is the only clock.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { RedisStore, StoreUnavailableError, createRedisClient } from '../../src/store/index.js';
import { luaScript } from '../../src/store/lua-scripts.js';
import { REDIS_URL, connectedStore, deleteByPrefix, rawClient, redisConfig, uniquePrefix } from './helpers.js';

const prefix = uniquePrefix('redis-store');
const raw = rawClient();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  await deleteByPrefix(raw, prefix);
  raw.disconnect();
});

async function listen(server: net.Server): Promise<number> {
  const connections = new Set<net.Socket>();
  server.on('connection', (socket) => void connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    connections.forEach((s) => s.destroy());
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function storeAt(port: number): RedisStore {
  const store = RedisStore.fromConfig(
    redisConfig(prefix, { url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200, connectTimeoutMs: 200 }),
  );
  cleanups.push(() => store.close());
  return store;
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(StoreUnavailableError);
}

describe('RedisStore on the real Redis', () => {
  it('prefixes every key with keyPrefix', async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    await store.set('plain', 'v', 10_000);
    await store.incrementWindow('counter', 10_000);
    expect(await raw.get(`${prefix}plain`)).toBe('v');
    expect(await raw.get(`${prefix}counter`)).toBe('1');
    expect(await raw.pttl(`${prefix}counter`)).toBeGreaterThan(0);
  });

  it('falls back to EVAL when the script cache was flushed', async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    await store.incrementWindow('flushed', 10_000);
    await raw.script('FLUSH');
    expect((await store.incrementWindow('flushed', 10_000)).count).toBe(2);
  });

  it('maps a Redis reply error to StoreUnavailableError', async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    await raw.rpush(`${prefix}a-list`, 'x');
    await expectUnavailable(store.get('a-list'));
  });

  it('connect is idempotent once ready', async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    await store.connect();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('exposes raw commands for other Redis-speaking code, errors mapped', async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    expect(await store.sendCommand('PING')).toBe('PONG');
    await expectUnavailable(store.sendCommand('NOT-A-COMMAND'));
  });

  it("runs a caller's Lua script on prefixed keys, after a flush too, errors mapped without the key", async () => {
    const store = await connectedStore(prefix);
    cleanups.push(() => store.close());
    const append = luaScript("return redis.call('APPEND', KEYS[1], ARGV[1])");
    expect(await store.runScript('append', append, ['script-key'], ['ab'])).toBe(2);
    await raw.script('FLUSH');
    expect(await store.runScript('append', append, ['script-key'], ['c'])).toBe(3);
    expect(await raw.get(`${prefix}script-key`)).toBe('abc');
    // Keys (prefixed) and arguments arrive apart and in order, by EVALSHA and by the EVAL after a flush alike.
    const echo = luaScript('return { KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV }');
    const echoed = [`${prefix}k1`, `${prefix}k2`, 'a1', 'a2', 2, 2];
    expect(await store.runScript('echo', echo, ['k1', 'k2'], ['a1', 'a2'])).toEqual(echoed);
    await raw.script('FLUSH');
    expect(await store.runScript('echo', echo, ['k1', 'k2'], ['a1', 'a2'])).toEqual(echoed);
    // A script error that quotes its key: the key names a principal or a token, so it must not reach the log.
    const failing = luaScript("return redis.error_reply('refused ' .. KEYS[1] .. ' now')");
    const error = await store.runScript('push', failing, ['script-key'], []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).operation).toBe('push');
    expect((error as Error).message).toMatch(/refused <key> now/);
    expect((error as Error).message).not.toContain(prefix);
  });
});

describe('RedisStore deadlines', () => {
  it('nothing listening: connect and every method reject with StoreUnavailableError', async () => {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve())); // nothing listens on the port now
    const store = storeAt(port);
    await expectUnavailable(store.connect());
    await expectUnavailable(store.get('k'));
    await expectUnavailable(store.set('k', 'v', 1000));
    await expectUnavailable(store.set('k', 'v', 1000, { onlyIfAbsent: true }));
    await expectUnavailable(store.incrementWindow('k', 1000));
    await expectUnavailable(store.decrement('k'));
    await expectUnavailable(store.deleteIfEquals('k', 'v'));
    await expectUnavailable(store.del('k'));
    await expectUnavailable(store.ping());
  });

  it('a server that accepts and never answers: connect and commands reject with StoreUnavailableError', async () => {
    const server = net.createServer(() => {});
    const store = storeAt(await listen(server));
    await expectUnavailable(store.connect());
    await expectUnavailable(store.get('k'));
  });

  it('a connected Redis that stalls: in-flight commands hit commandTimeout → StoreUnavailableError', async () => {
    // A TCP proxy to the real Redis that can stop forwarding, as a hung or partitioned Redis would.
    const target = new URL(REDIS_URL);
    let stalled = false;
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      sockets.push(client, upstream);
      client.on('data', (chunk) => {
        if (!stalled) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const store = storeAt(await listen(proxy));
    await store.connect();
    await store.set('stall', 'v', 10_000);
    expect(await store.get('stall')).toBe('v');

    stalled = true;
    await expectUnavailable(store.get('stall'));
    await expectUnavailable(store.incrementWindow('stall-counter', 10_000));

    // And once the link is cut, commands fail at once (offline queue off), still as StoreUnavailableError.
    sockets.forEach((s) => s.destroy());
    await expectUnavailable(store.get('stall'));
  });
});

describe('createRedisClient', () => {
  const base = { keyPrefix: 'x:', commandTimeoutMs: 250, connectTimeoutMs: 2000 };

  it('builds a standalone client from url, lazily, with the deadlines set', () => {
    const client = createRedisClient({ ...base, url: 'redis://127.0.0.1:6399/2' });
    cleanups.push(() => client.disconnect());
    expect(client).toBeInstanceOf(Redis);
    const options = (client as Redis).options;
    expect(client.status).toBe('wait');
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 250,
      connectTimeout: 2000,
      lazyConnect: true,
      db: 2,
    });
    expect(options.retryStrategy?.(1000)).toBeLessThanOrEqual(2000);
  });

  it('builds a Sentinel client, taking credentials from url', () => {
    const client = createRedisClient({
      ...base,
      url: 'redis://:s3cret@ignored:6379',
      sentinels: [{ host: '127.0.0.1', port: 26399 }],
      sentinelName: 'mymaster',
    });
    cleanups.push(() => client.disconnect());
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({ name: 'mymaster', password: 's3cret', enableOfflineQueue: false });
  });

  it('refuses sentinels without a sentinelName, and no address at all', () => {
    expect(() => createRedisClient({ ...base, sentinels: [{ host: 'h', port: 1 }] })).toThrow(/sentinelName/);
    expect(() => createRedisClient(base)).toThrow(/url/);
  });

  it('builds a Cluster client with per-node deadlines', () => {
    const client = createRedisClient({ ...base, cluster: [{ host: '127.0.0.1', port: 7000 }] });
    cleanups.push(() => client.disconnect());
    expect(client).toBeInstanceOf(Cluster);
    expect((client as Cluster).options).toMatchObject({
      enableOfflineQueue: false,
      lazyConnect: true,
      redisOptions: { commandTimeout: 250, maxRetriesPerRequest: 1 },
    });
  });
});

describe('RedisStore.connect after a failed start', () => {
  it('a second connect() waits for the background reconnect and succeeds once Redis is there', async () => {
    // Start with a port where nothing listens, then put a proxy to the real Redis on that same port.
    const probe = net.createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = storeAt(port);
    await expectUnavailable(store.connect());

    const target = new URL(REDIS_URL);
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    const connections = new Set<net.Socket>();
    proxy.on('connection', (s) => void connections.add(s));
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    cleanups.push(async () => {
      connections.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });

    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await store.connect();
        lastError = undefined;
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        lastError = error;
      }
    }
    expect(lastError).toBeUndefined();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
