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
 * The fixed-window counters as Lua functions, shared by the single-purpose scripts below and by scripts that count
 * several things in one step (quotas/admission-scripts.ts). A window is `{ key = …, limit = number, ms = string }`;
 * `ms` stays the caller's decimal string, so PEXPIRE receives exactly what was sent.
 *
 * increment_window(key, ms) → count, pttl: INCR, then start the window on the first hit. The `ttl < 0` arm also
 * repairs a counter that somehow lost its expiry, so a key can never count forever (which would lock a principal out
 * for good).
 *
 * full_window(windows) → index, pttl (0, -1 when every window has room): the full window (count ≥ limit) that frees
 * up last, since all of them must have room before a unit can be taken. Writes nothing but the repair of a lost
 * expiry. Checking every window before taking from any means a refused request never holds a unit, not even for a
 * moment: with take-then-give-back, a request refused by its hour window briefly filled the day window, and a
 * concurrent request was refused naming the day although the day had room.
 *
 * take_windows(windows): one unit from each, starting or repairing each window as increment_window does.
 *
 * decrement_existing(key): gives back one unit, but only while the window still exists: a plain DECR on an expired
 * key would create a counter of -1 with no TTL, silently granting an extra unit in the next window.
 */
export const WINDOW_FUNCTIONS = `
local function increment_window(key, ms)
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if count == 1 or ttl < 0 then
    redis.call('PEXPIRE', key, ms)
    ttl = tonumber(ms)
  end
  return count, ttl
end

local function full_window(windows)
  local full, fullTtl = 0, -1
  for i, w in ipairs(windows) do
    local count = tonumber(redis.call('GET', w.key) or '0')
    if count >= w.limit then
      local ttl = redis.call('PTTL', w.key)
      if ttl < 0 then
        redis.call('PEXPIRE', w.key, w.ms)
        ttl = tonumber(w.ms)
      end
      if ttl > fullTtl then
        full, fullTtl = i, ttl
      end
    end
  end
  return full, fullTtl
end

local function take_windows(windows)
  for _, w in ipairs(windows) do
    increment_window(w.key, w.ms)
  end
end

local function decrement_existing(key)
  if redis.call('EXISTS', key) == 1 then
    redis.call('DECR', key)
  end
end
`;

/** Fixed-window counter (increment_window). KEYS: the counter. ARGV: window (ms). Returns { count, pttl }. */
export const INCREMENT_WINDOW = luaScript(`${WINDOW_FUNCTIONS}
local count, ttl = increment_window(KEYS[1], ARGV[1])
return { count, ttl }
`);

/** Gives back one unit while the window exists (decrement_existing). KEYS: the counter. */
export const DECREMENT_EXISTING = luaScript(`${WINDOW_FUNCTIONS}
decrement_existing(KEYS[1])
return 0
`);

/** Compare-and-delete: release a lock only while we still own it (it may have expired and been taken by another). */
export const DELETE_IF_EQUALS = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
