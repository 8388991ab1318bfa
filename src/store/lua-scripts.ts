/**
 * The Lua scripts RedisStore runs; its callers bring their own, made with luaScript, to RedisStore.runScript. Each
 * touches one key, or keys its caller puts in one hash slot (a shared `{hash tag}`), so they are valid in Redis
 * Cluster too. They run as EVALSHA with an EVAL fallback on NOSCRIPT (a failover or SCRIPT FLUSH empties the script
 * cache).
 */
import { createHash } from 'node:crypto';

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

/** A script and the SHA-1 that EVALSHA names it by. */
export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Fixed-window counter: INCR, then start the window on the first hit. The `ttl < 0` arm also repairs a counter that
 * somehow lost its expiry, so a key can never count forever (which would lock a principal out for good).
 * Returns { count, pttl }.
 */
export const INCREMENT_WINDOW = luaScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`);

/**
 * All-or-nothing take from several fixed windows (a quota's "N per hour and M per day"). First every counter is
 * read: if any is at its limit nothing is written, and the reply names the full window that frees up last (all of
 * them must have room before a unit can be taken). Only then is each counter incremented, starting its window on
 * the first hit (and repairing one that lost its expiry, as INCREMENT_WINDOW does).
 *
 * Checking before taking means a refused request never holds a unit, not even for a moment: with take-then-give-back,
 * a request refused by its hour window briefly filled the day window, and a concurrent request was refused naming
 * the day although the day had room.
 *
 * KEYS: the counters. ARGV: limit and window (ms) for each key, in order. Returns { 1 } or { 0, index, pttl }.
 */
export const TAKE_FROM_WINDOWS = luaScript(`
local full, fullTtl = 0, -1
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[2 * i])
      ttl = tonumber(ARGV[2 * i])
    end
    if ttl > fullTtl then
      full, fullTtl = i, ttl
    end
  end
end
if full > 0 then
  return { 0, full, fullTtl }
end
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[2 * i])
  end
end
return { 1 }
`);

/**
 * Give back one unit, but only while the window still exists: a plain DECR on an expired key would create a counter
 * of -1 with no TTL, silently granting an extra unit in the next window.
 */
export const DECREMENT_EXISTING = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DECR', KEYS[1])
end
return 0
`);

/** Compare-and-delete: release a lock only while we still own it (it may have expired and been taken by another). */
export const DELETE_IF_EQUALS = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
