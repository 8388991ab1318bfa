/**
 * The Lua scripts RedisStore runs. Each touches one key, so they are valid in Redis Cluster too. They run as EVALSHA
 * with an EVAL fallback on NOSCRIPT (a failover or SCRIPT FLUSH empties the script cache).
 */
import { createHash } from 'node:crypto';

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Fixed-window counter: INCR, then start the window on the first hit. The `ttl < 0` arm also repairs a counter that
 * somehow lost its expiry, so a key can never count forever (which would lock a principal out for good).
 * Returns { count, pttl }.
 */
export const INCREMENT_WINDOW = script(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`);

/**
 * Give back one unit, but only while the window still exists: a plain DECR on an expired key would create a counter
 * of -1 with no TTL, silently granting an extra unit in the next window.
 */
export const DECREMENT_EXISTING = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DECR', KEYS[1])
end
return 0
`);

/** Compare-and-delete: release a lock only while we still own it (it may have expired and been taken by another). */
export const DELETE_IF_EQUALS = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
