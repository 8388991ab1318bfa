/**
 * ByteLedger on Redis, shared by every replica: each operation is one Lua script (byte-ledger-scripts.ts) over the
 * keys of one scope, so concurrent grants are serialized by Redis itself. RedisStore.runScript adds the deployment
 * key prefix and turns every failure into StoreUnavailableError.
 */
import type { Clock } from '../shared/clock.js';
import {
  byteScopeTag,
  byteSeenKey,
  byteWindowKeys,
  distinctByteWindows,
  type ByteDecision,
  type ByteItem,
  type ByteLedger,
  type ByteScope,
  type ByteWindowUsage,
  type ImmediateCharge,
  type SettleInput,
} from './byte-ledger.js';
import { BYTE_USAGE, RELEASE_BYTES, RESERVE_BYTES, SETTLE_BYTES } from './byte-ledger-scripts.js';
import type { LuaScript } from '../store/lua-scripts.js';
import type { RedisStore } from '../store/redis-store.js';
import { StoreUnavailableError } from '../store/types.js';

export class RedisByteLedger implements ByteLedger {
  constructor(
    private readonly store: RedisStore,
    private readonly clock: Clock,
  ) {}

  async reserve(scope: ByteScope, items: readonly ByteItem[]): Promise<ByteDecision> {
    const windows = distinctByteWindows(scope.windows);
    const args: string[] = [String(this.clock.now()), String(windows.length)];
    for (const w of windows) args.push(String(w.windowSeconds * 1000), String(w.limitBytes));
    args.push(String(items.length));
    for (const item of items) {
      args.push(item.id, String(item.bytes), String(item.expiresAt), item.settle === 'callback' ? 'r' : 'c');
    }
    const reply = await this.run('reserve', RESERVE_BYTES, this.windowKeys(scope, windows), args);
    if (!Array.isArray(reply) || (reply[0] !== 1 && reply[0] !== 0))
      throw new StoreUnavailableError('redis reserveBytes: unexpected reply');
    if (reply[0] === 1) {
      if (!items.some((item) => item.settle === 'now')) return { allowed: true };
      const charged = items.reduce((sum, item) => (item.settle === 'now' ? sum + item.bytes : sum), 0);
      const windowResetAts = windows.map((_, i) => Number(reply[1 + i]));
      if (windowResetAts.some((t) => !Number.isFinite(t))) throw new StoreUnavailableError('redis reserveBytes: unexpected reply');
      return { allowed: true, charge: { bytes: charged, windowResetAts } };
    }
    const refusing = windows[Number(reply[1]) - 1];
    if (refusing === undefined) throw new StoreUnavailableError('redis reserveBytes: unexpected reply');
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(Number(reply[2]) / 1000)),
      retryInMs: Number(reply[2]),
      limitBytes: refusing.limitBytes,
      windowSeconds: refusing.windowSeconds,
    };
  }

  async release(scope: ByteScope, ids: readonly string[], charge?: ImmediateCharge): Promise<void> {
    if (ids.length === 0 && charge === undefined) return;
    const windows = distinctByteWindows(scope.windows);
    const resetAts = windows.map((_, i) => String(charge?.windowResetAts[i] ?? -1));
    const args = [String(charge?.bytes ?? 0), ...resetAts, ...ids];
    await this.run('release', RELEASE_BYTES, this.windowKeys(scope, windows), args);
  }

  async settle(scope: ByteScope, input: SettleInput): Promise<'recorded' | 'duplicate'> {
    const windows = distinctByteWindows(scope.windows);
    const tag = byteScopeTag(scope.profile, scope.principalKey);
    const keys = [byteSeenKey(tag, input.dedupeKey), ...this.windowKeys(scope, windows)];
    const args = [
      String(this.clock.now()),
      String(Math.max(1, Math.ceil(input.dedupeTtlMs))),
      String(windows.length),
      ...windows.map((w) => String(w.windowSeconds * 1000)),
      input.id,
      String(input.actualBytes),
    ];
    const reply = await this.run('settle', SETTLE_BYTES, keys, args);
    return reply === 1 ? 'recorded' : 'duplicate';
  }

  async usage(scope: ByteScope): Promise<ByteWindowUsage[]> {
    const windows = distinctByteWindows(scope.windows);
    const args = [String(this.clock.now()), ...windows.map((w) => String(w.windowSeconds * 1000))];
    const reply = await this.run('usage', BYTE_USAGE, this.windowKeys(scope, windows), args);
    if (!Array.isArray(reply) || reply.length !== windows.length * 4) throw new StoreUnavailableError('redis byteUsage: unexpected reply');
    return windows.map((w, i) => {
      const resetAt = Number(reply[i * 4 + 2]);
      const reservedUntil = Number(reply[i * 4 + 3]);
      return {
        windowSeconds: w.windowSeconds,
        limitBytes: w.limitBytes,
        usedBytes: Number(reply[i * 4]),
        reservedBytes: Number(reply[i * 4 + 1]),
        resetsAt: resetAt < 0 ? undefined : resetAt,
        reservedUntil: reservedUntil < 0 ? undefined : reservedUntil,
      };
    });
  }

  /** hash₁, set₁, hash₂, set₂, … with the deployment prefix. */
  private windowKeys(scope: ByteScope, windows: readonly { windowSeconds: number }[]): string[] {
    const tag = byteScopeTag(scope.profile, scope.principalKey);
    return windows.flatMap((w) => {
      const { hash, expiries } = byteWindowKeys(tag, w.windowSeconds);
      return [hash, expiries];
    });
  }

  private run(op: string, lua: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return this.store.runScript(`byteLedger.${op}`, lua, keys, args);
  }
}
