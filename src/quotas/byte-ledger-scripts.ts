/**
 * The Lua scripts behind RedisByteLedger (semantics in byte-ledger.ts). Per window of one scope there are two keys:
 * - a hash: `resetAt` (epoch ms), `used`, `reserved` (bytes), `r:<id>` = bytes of a live reservation,
 *   `s:<id>` = bytes charged for a grant settled by its callback (so a reused form replaces its charge instead of
 *   adding). A charge at once (`settle: 'now'`) only adds to `used`: no field per grant;
 * - a sorted set: reservation id → expiry (epoch ms), to lapse reservations without scanning the hash.
 * All keys of a scope share a hash tag, so each script is one atomic step in Redis Cluster too.
 *
 * `now` comes from the broker's clock (ARGV), not Redis TIME: the expiries it is compared with are the broker's.
 * Byte counts arrive as decimal strings and stay below 2^46 (config schema), so Lua's number formatting
 * (14 significant digits) never rounds a counter.
 */
import { luaScript } from '../store/lua-scripts.js';

/**
 * prepare(h, z, now, windowMs) → resetAt, used, reserved: rolls an over window (used back to 0, live reservations
 * carried, settled charges dropped) or lapses the reservations whose time is up.
 * touch(h, z, now, resetAt): both keys live until the window resets or the last reservation lapses, whichever is later.
 */
const PRELUDE = `
local function prepare(h, z, now, windowMs)
  local resetAt = tonumber(redis.call('HGET', h, 'resetAt'))
  if resetAt == nil or resetAt <= now then
    local live = redis.call('ZRANGEBYSCORE', z, '(' .. now, '+inf')
    local carried = {}
    local reserved = 0
    for _, id in ipairs(live) do
      local b = redis.call('HGET', h, 'r:' .. id)
      if b then
        carried[#carried + 1] = { id, b }
        reserved = reserved + tonumber(b)
      end
    end
    redis.call('DEL', h)
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    resetAt = now + windowMs
    redis.call('HSET', h, 'resetAt', resetAt, 'used', 0, 'reserved', reserved)
    for _, entry in ipairs(carried) do
      redis.call('HSET', h, 'r:' .. entry[1], entry[2])
    end
    return resetAt, 0, reserved
  end
  local lapsed = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #lapsed > 0 then
    local freed = 0
    for _, id in ipairs(lapsed) do
      local b = redis.call('HGET', h, 'r:' .. id)
      if b then
        freed = freed + tonumber(b)
        redis.call('HDEL', h, 'r:' .. id)
      end
    end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    if freed > 0 then redis.call('HINCRBY', h, 'reserved', -freed) end
  end
  return resetAt, tonumber(redis.call('HGET', h, 'used')) or 0, tonumber(redis.call('HGET', h, 'reserved')) or 0
end

local function touch(h, z, now, resetAt)
  local keep = resetAt
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  if last[2] ~= nil and tonumber(last[2]) > keep then keep = tonumber(last[2]) end
  local ttl = math.floor(keep - now) + 60000
  redis.call('PEXPIRE', h, ttl)
  if last[1] ~= nil then redis.call('PEXPIRE', z, ttl) end
end
`;

/**
 * The reservation as Lua functions, shared by RESERVE_BYTES (which reads its arguments with byte_args) and the
 * admission script (admission-scripts.ts: it reads its own, then uses byte_refusal and write_bytes, checking a request
 * quota between the two). The window keys are pairs from KEYS[k]
 * on: hash₁ = KEYS[k], set₁ = KEYS[k + 1], hash₂ = KEYS[k + 2], ….
 *
 * byte_args(a) → windows, items, total: reads ARGV from index a: n, (windowMs, limit) × n, m,
 * (id, bytes, expiresAt, mode) × m, mode `r` (reserve until the callback) or `c` (charge now).
 *
 * byte_refusal(k, now, windows, total) → index, ms (0, -1 when everything fits): prepares every window (storing its
 * resetAt in `windows`) and names the refusing window with the ms until it may fit: the window's reset, or sooner
 * when only reservations are in the way and the first of them lapses earlier. Of several refusing windows the one
 * that frees up last is named, so one Retry-After is enough.
 *
 * write_bytes(k, now, windows, items): writes the items into every window (after byte_refusal found room).
 */
export const RESERVE_FUNCTIONS = `${PRELUDE}
local function byte_args(a)
  local n = tonumber(ARGV[a])
  a = a + 1
  local windows = {}
  for i = 1, n do
    windows[i] = { ms = tonumber(ARGV[a]), limit = tonumber(ARGV[a + 1]) }
    a = a + 2
  end
  local m = tonumber(ARGV[a])
  a = a + 1
  local items = {}
  local total = 0
  for j = 1, m do
    items[j] = { id = ARGV[a], bytes = ARGV[a + 1], exp = ARGV[a + 2], mode = ARGV[a + 3] }
    total = total + tonumber(ARGV[a + 1])
    a = a + 4
  end
  return windows, items, total
end

local function byte_refusal(k, now, windows, total)
  local refused, wait = 0, -1
  for i, window in ipairs(windows) do
    local h, z = KEYS[k + 2 * i - 2], KEYS[k + 2 * i - 1]
    local resetAt, used, reserved = prepare(h, z, now, window.ms)
    window.resetAt = resetAt
    if used + reserved + total > window.limit then
      local w = resetAt - now
      if used + total <= window.limit then
        local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
        if first[2] ~= nil and tonumber(first[2]) - now < w then w = tonumber(first[2]) - now end
      end
      if w > wait then refused, wait = i, w end
    end
    touch(h, z, now, resetAt)
  end
  return refused, wait
end

local function write_bytes(k, now, windows, items)
  for i, window in ipairs(windows) do
    local h, z = KEYS[k + 2 * i - 2], KEYS[k + 2 * i - 1]
    for _, item in ipairs(items) do
      if item.mode == 'r' then
        redis.call('HSET', h, 'r:' .. item.id, item.bytes)
        redis.call('ZADD', z, item.exp, item.id)
        redis.call('HINCRBY', h, 'reserved', item.bytes)
      else
        redis.call('HINCRBY', h, 'used', item.bytes)
      end
    end
    touch(h, z, now, window.resetAt)
  end
end
`;

/**
 * KEYS: hash₁, set₁, …, hashₙ, setₙ. ARGV: now, then byte_args's. Returns {1, resetAt₁, …, resetAtₙ} when
 * everything fits (and is written), else {0, refusing window (1-based), ms until it may fit}.
 */
export const RESERVE_BYTES = luaScript(`${RESERVE_FUNCTIONS}
local now = tonumber(ARGV[1])
local windows, items, total = byte_args(2)
local refused, wait = byte_refusal(1, now, windows, total)
if refused > 0 then return { 0, refused, math.floor(wait) } end
write_bytes(1, now, windows, items)
local out = { 1 }
for i = 1, #windows do out[#out + 1] = windows[i].resetAt end
return out
`);

/**
 * KEYS: seen, hash₁, set₁, …. ARGV: now, seenTtlMs, n, windowMs × n, id, actualBytes.
 * Returns 0 when this upload was already recorded (nothing changes), 1 when recorded now.
 */
export const SETTLE_BYTES = luaScript(`${PRELUDE}
local now = tonumber(ARGV[1])
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[2], 'NX') then return 0 end
local n = tonumber(ARGV[3])
local id, actual = ARGV[4 + n], ARGV[5 + n]
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local resetAt = prepare(h, z, now, tonumber(ARGV[3 + i]))
  local reservedBytes = redis.call('HGET', h, 'r:' .. id)
  local previous = redis.call('HGET', h, 's:' .. id)
  if reservedBytes then
    redis.call('HDEL', h, 'r:' .. id)
    redis.call('ZREM', z, id)
    redis.call('HINCRBY', h, 'reserved', -tonumber(reservedBytes))
    redis.call('HINCRBY', h, 'used', actual)
  elseif previous then
    redis.call('HINCRBY', h, 'used', tonumber(actual) - tonumber(previous))
  else
    redis.call('HINCRBY', h, 'used', actual)
  end
  redis.call('HSET', h, 's:' .. id, actual)
  touch(h, z, now, resetAt)
end
return 1
`);

/**
 * release_bytes(k, n, charged, resetAts, ids): gives back the immediate charge to each of the n windows (pairs from
 * KEYS[k] on) still in the instance it went to (resetAts[i] the same as the window's resetAt), and the reservations
 * (and any settled charge) of the ids. Only touches a hash that exists, so it never creates a key without an expiry.
 */
export const RELEASE_FUNCTIONS = `
local function release_bytes(k, n, charged, resetAts, ids)
  for i = 1, n do
    local h, z = KEYS[k + 2 * i - 2], KEYS[k + 2 * i - 1]
    if charged > 0 and tonumber(redis.call('HGET', h, 'resetAt')) == tonumber(resetAts[i]) then
      local used = tonumber(redis.call('HGET', h, 'used')) or 0
      redis.call('HSET', h, 'used', math.max(0, used - charged))
    end
    for _, id in ipairs(ids) do
      local r = redis.call('HGET', h, 'r:' .. id)
      if r then
        redis.call('HDEL', h, 'r:' .. id)
        redis.call('ZREM', z, id)
        redis.call('HINCRBY', h, 'reserved', -tonumber(r))
      end
      local s = redis.call('HGET', h, 's:' .. id)
      if s then
        redis.call('HDEL', h, 's:' .. id)
        redis.call('HINCRBY', h, 'used', -tonumber(s))
      end
    end
  end
end
`;

/** KEYS: hash₁, set₁, …. ARGV: charged bytes, resetAt₁, …, resetAtₙ, id × k (release_bytes). */
export const RELEASE_BYTES = luaScript(`${RELEASE_FUNCTIONS}
local n = #KEYS / 2
local resetAts, ids = {}, {}
for i = 1, n do resetAts[i] = ARGV[1 + i] end
for a = 2 + n, #ARGV do ids[#ids + 1] = ARGV[a] end
release_bytes(1, n, tonumber(ARGV[1]), resetAts, ids)
return 0
`);

/**
 * KEYS: hash₁, set₁, …. ARGV: now, windowMs × n. Returns {used, reserved, resetAt, reservedUntil} per window,
 * resetAt -1 for a window that has not started (nothing is created for it), reservedUntil -1 without a live
 * reservation. After prepare() the set holds live reservations only (settle and release remove theirs), so its
 * highest score is when the last one lapses.
 */
export const BYTE_USAGE = luaScript(`${PRELUDE}
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('EXISTS', h) == 0 then
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = -1
    out[#out + 1] = -1
  else
    local resetAt, used, reserved = prepare(h, z, now, tonumber(ARGV[1 + i]))
    touch(h, z, now, resetAt)
    local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
    out[#out + 1] = used
    out[#out + 1] = reserved
    out[#out + 1] = resetAt
    out[#out + 1] = last[2] and tonumber(last[2]) or -1
  end
end
return out
`);
