/**
 * The Lua behind RedisAdmission (semantics in admission.ts), composed of the functions the single-purpose scripts
 * use too: the window counters (store/lua-scripts.ts) and the byte reservation (byte-ledger-scripts.ts). Every key
 * of one call carries the principal's hash tag, so each script is one atomic step in Redis Cluster.
 */
import { luaScript, WINDOW_FUNCTIONS } from '../store/lua-scripts.js';
import { RELEASE_FUNCTIONS, RESERVE_FUNCTIONS } from './byte-ledger-scripts.js';

/** Replies of ADMIT, third field: what became of the grant. */
export const GRANT_NOT_ATTEMPTED = 0;
export const GRANT_TAKEN = 1;
export const GRANT_REFUSED_BY_QUOTA = 2;
export const GRANT_REFUSED_BY_BYTES = 3;

/**
 * KEYS: the per-principal counter (when the principal window is not '0'), quota counter × q, (byte hash, byte set) × n.
 * ARGV: now; the limits, one argument of numbers separated by spaces (admit-limits.ts: what configuration alone
 * decides, made once): principal window ms ('0': no principal limit), principal limit, q, (limit, window ms) × q, n,
 * (window ms, limit bytes) × n; then m, (id, bytes, expiresAt, mode) × m, mode `r` (reserve until the callback) or
 * `c` (charge now). Window lengths stay the decimal strings that were sent, for PEXPIRE (lua-scripts.ts).
 *
 * Returns { principal count, principal pttl (both -1 without one), outcome, … }:
 * - outcome 0: the principal is over its limit, the grant was not attempted;
 * - outcome 1, resetAt × n: quota unit and bytes taken, with each byte window's reset (to give an immediate charge
 *   back to the window instance it went to);
 * - outcome 2, window (1-based), pttl: the request quota refused; nothing taken and the byte windows left unread;
 * - outcome 3, window (1-based), ms: the bytes refused; nothing taken.
 */
export const ADMIT = luaScript(`${WINDOW_FUNCTIONS}${RESERVE_FUNCTIONS}
local now = tonumber(ARGV[1])
local limits = {}
for v in string.gmatch(ARGV[2], '%S+') do limits[#limits + 1] = v end
local k = 1
local out = { -1, -1 }
if limits[1] ~= '0' then
  local count, ttl = increment_window(KEYS[1], limits[1])
  out[1], out[2] = count, ttl
  k = 2
  if count > tonumber(limits[2]) then
    out[3] = 0
    return out
  end
end
local q = tonumber(limits[3])
local quota = {}
for i = 1, q do
  quota[i] = { key = KEYS[k], limit = tonumber(limits[2 + 2 * i]), ms = limits[3 + 2 * i] }
  k = k + 1
end
local full, fullTtl = full_window(quota)
if full > 0 then
  out[3], out[4], out[5] = 2, full, fullTtl
  return out
end
local b = 4 + 2 * q
local windows = {}
for i = 1, tonumber(limits[b]) do
  windows[i] = { ms = tonumber(limits[b + 2 * i - 1]), limit = tonumber(limits[b + 2 * i]) }
end
local items, total = {}, 0
for j = 1, tonumber(ARGV[3]) do
  local a = 4 * j
  items[j] = { id = ARGV[a], bytes = ARGV[a + 1], exp = ARGV[a + 2], mode = ARGV[a + 3] }
  total = total + tonumber(ARGV[a + 1])
end
local refused, wait = byte_refusal(k, now, windows, total)
if refused > 0 then
  out[3], out[4], out[5] = 3, refused, math.floor(wait)
  return out
end
take_windows(quota)
write_bytes(k, now, windows, items)
out[3] = 1
for i = 1, #windows do out[#out + 1] = windows[i].resetAt end
return out
`);

/**
 * KEYS: quota counter × q, (byte hash, byte set) × n. ARGV: q, charged bytes, resetAt × n, id × any.
 * Gives one unit back to each quota window that still exists (decrement_existing) and the bytes as RELEASE_BYTES does.
 */
export const RELEASE_GRANT = luaScript(`${WINDOW_FUNCTIONS}${RELEASE_FUNCTIONS}
local q = tonumber(ARGV[1])
for i = 1, q do decrement_existing(KEYS[i]) end
local n = (#KEYS - q) / 2
local resetAts, ids = {}, {}
for i = 1, n do resetAts[i] = ARGV[2 + i] end
for a = 3 + n, #ARGV do ids[#ids + 1] = ARGV[a] end
release_bytes(q + 1, n, tonumber(ARGV[2]), resetAts, ids)
return 0
`);
