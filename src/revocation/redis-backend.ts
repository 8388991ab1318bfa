/**
 * Revocations in Redis, shared by every replica. All keys go through RedisStore.runScript (the key prefix, the
 * StoreUnavailableError mapping, EVALSHA), so they follow the store's rules; the one extra connection is the
 * subscriber for change notifications (a connection in subscriber mode can send nothing else).
 *
 * - `{revocations}:records`: a hash, id → the revocation as JSON; `{revocations}:version`: a counter bumped by every
 *   change. Both share a hash tag, so each change (write, bump, notify) is one script, valid in Redis Cluster.
 * - `{revocations}:changed`: the pub/sub channel each change is announced on. A message can be missed (a replica
 *   reconnecting); the version, which replicas poll, cannot, so the notification only makes convergence faster.
 * - `{principal:<sha256 of the identity>}:tokens` / `:cache-keys`: sorted sets by expiry of the AccessKeyIds handed
 *   to a principal and of the token cache keys it was served from; each key expires with its last member.
 */
import { createHash } from 'node:crypto';
import type { RedisClient, RedisStore } from '../store/index.js';
import { luaScript } from '../store/lua-scripts.js';
import type { RevocationBackend } from './backend.js';
import type { HandedOutToken, Revocation } from './types.js';

const RECORDS = '{revocations}:records';
const VERSION = '{revocations}:version';
const CHANNEL = '{revocations}:changed';

const ADD = luaScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], version)
return version
`);

/**
 * ARGV: channel, then the ids (one for a lift, a batch for the sweep). One version bump for the whole batch, and none
 * when nothing was left to delete.
 */
const REMOVE = luaScript(`
local removed = 0
for i = 2, #ARGV do removed = removed + redis.call('HDEL', KEYS[1], ARGV[i]) end
if removed > 0 then
  local version = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[1], version)
end
return removed
`);

const LOAD = luaScript(`
return { redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1]) }
`);

/**
 * ARGV: now, expiresAt, token JSON, cache key. Drops expired members, adds the new ones (a cache key keeps its
 * latest expiry), and keeps each set alive as long as its longest-lived member.
 */
const RECORD_HAND_OUT = luaScript(`
local now = tonumber(ARGV[1])
local expiresAt = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[1], expiresAt, ARGV[3])
local known = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[4]) or '0')
if expiresAt > known then redis.call('ZADD', KEYS[2], expiresAt, ARGV[4]) end
local ttl = expiresAt - now
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return 1
`);

const LIVE_MEMBERS = luaScript(`
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
`);

const principalKeys = (identity: string): [string, string] => {
  const tag = `{principal:${createHash('sha256').update(identity).digest('hex')}}`;
  return [`${tag}:tokens`, `${tag}:cache-keys`];
};

export function createRedisRevocationBackend(store: RedisStore): RevocationBackend {
  const channel = store.keyPrefix + CHANNEL;
  const listeners: Array<() => void> = [];
  // A connection of the same kind (standalone, Sentinel or Cluster) with the same options and credentials.
  const subscriber: RedisClient = store.duplicateClient();
  // Connection errors are the store's to report (it logs them, rate-limited); polling covers a dead subscriber.
  subscriber.on('error', () => undefined);
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).catch(() => undefined);
  });
  subscriber.on('message', (from: string) => {
    if (from === channel) for (const listener of listeners) listener();
  });
  subscriber.connect().catch(() => undefined);
  // The store's owner closes the store, not this backend: close the subscriber with it.
  store.client.once('end', () => subscriber.disconnect());

  return {
    async version() {
      return Number((await store.get(VERSION)) ?? '0');
    },

    async load() {
      const [version, flat] = (await store.runScript('revocations.load', LOAD, [RECORDS, VERSION], [])) as [string, string[]];
      const revocations: Revocation[] = [];
      for (let i = 1; i < flat.length; i += 2) revocations.push(JSON.parse(flat[i]!) as Revocation);
      return { version: Number(version), revocations };
    },

    async add(revocation) {
      await store.runScript('revocations.add', ADD, [RECORDS, VERSION], [revocation.id, JSON.stringify(revocation), channel]);
    },

    async remove(id) {
      return Number(await store.runScript('revocations.remove', REMOVE, [RECORDS, VERSION], [channel, id])) === 1;
    },

    async removeLapsed(ids) {
      if (ids.length === 0) return 0;
      return Number(await store.runScript('revocations.removeLapsed', REMOVE, [RECORDS, VERSION], [channel, ...ids]));
    },

    onChange(listener) {
      listeners.push(listener);
    },

    async recordHandOut(identity, token, cacheKey, expiresAt, now) {
      await store.runScript('revocations.handOut', RECORD_HAND_OUT, principalKeys(identity), [
        String(now),
        String(expiresAt),
        JSON.stringify(token),
        cacheKey,
      ]);
    },

    async tokens(identity, now) {
      const members = (await store.runScript('revocations.tokens', LIVE_MEMBERS, [principalKeys(identity)[0]], [String(now)])) as string[];
      return members.map((m) => JSON.parse(m) as HandedOutToken);
    },

    async cacheKeys(identity, now) {
      return (await store.runScript('revocations.cacheKeys', LIVE_MEMBERS, [principalKeys(identity)[1]], [String(now)])) as string[];
    },

    async close() {
      subscriber.disconnect();
    },
  };
}
