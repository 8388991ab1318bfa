/**
 * ByteLedger in memory: FOR ONE PROCESS ONLY (local mode and development), like MemoryStore. The same rules as the
 * Redis scripts (byte-ledger-scripts.ts), step for step; every method runs to completion without awaiting, so on
 * Node's single thread each one is as atomic as a Lua script is in Redis.
 */
import type { Clock } from '../shared/clock.js';
import { flatKey } from '../store/memory-store.js';
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

/**
 * One window of one principal's bytes. The maps are made only when a grant settled by its callback needs them: most
 * grants are charged at once and leave no entry (byte-ledger.ts), and two empty Maps were about 370 bytes of every
 * principal's window (a heap snapshot of the 10,000-principal soak).
 */
interface WindowState {
  resetAt: number;
  used: number;
  /** id → bytes and lapse time of a live reservation. */
  reserved: Map<string, { bytes: number; expiresAt: number }> | undefined;
  /** id → bytes charged for a grant settled by its callback (a charge at once leaves no entry: byte-ledger.ts). */
  settled: Map<string, number> | undefined;
}

/** Above this many windows, finished ones are swept before a new one is added. */
const SWEEP_ABOVE = 50_000;

export class MemoryByteLedger implements ByteLedger {
  private readonly windows = new Map<string, WindowState>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async reserve(scope: ByteScope, items: readonly ByteItem[]): Promise<ByteDecision> {
    return this.reserveNow(scope, items);
  }

  /** `reserve` as one synchronous step, for a caller that must take more in the same step (memory-admission.ts). */
  reserveNow(scope: ByteScope, items: readonly ByteItem[]): ByteDecision {
    const now = this.clock.now();
    const total = items.reduce((sum, item) => sum + item.bytes, 0);
    const windows = distinctByteWindows(scope.windows).map((w) => ({ w, state: this.prepare(this.key(scope, w.windowSeconds), now, w) }));
    let refusal: Extract<ByteDecision, { allowed: false }> | undefined;
    let refusalWaitMs = -1;
    for (const { w, state } of windows) {
      const reserved = sumReserved(state);
      if (state.used + reserved + total <= w.limitBytes) continue;
      let wait = state.resetAt - now;
      if (state.used + total <= w.limitBytes && state.reserved !== undefined) {
        for (const r of state.reserved.values()) wait = Math.min(wait, r.expiresAt - now);
      }
      if (wait > refusalWaitMs) {
        refusalWaitMs = wait;
        refusal = {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)),
          retryInMs: Math.floor(wait),
          limitBytes: w.limitBytes,
          windowSeconds: w.windowSeconds,
        };
      }
    }
    if (refusal !== undefined) return refusal;
    let charged = 0;
    for (const item of items) if (item.settle === 'now') charged += item.bytes;
    for (const { state } of windows) {
      for (const item of items) {
        if (item.settle === 'callback') reservedOf(state).set(item.id, { bytes: item.bytes, expiresAt: item.expiresAt });
      }
      state.used += charged;
    }
    if (!items.some((item) => item.settle === 'now')) return { allowed: true };
    return { allowed: true, charge: { bytes: charged, windowResetAts: windows.map(({ state }) => state.resetAt) } };
  }

  async release(scope: ByteScope, ids: readonly string[], charge?: ImmediateCharge): Promise<void> {
    for (const [i, w] of distinctByteWindows(scope.windows).entries()) {
      const state = this.windows.get(this.key(scope, w.windowSeconds));
      if (state === undefined) continue;
      if (charge !== undefined && charge.bytes > 0 && state.resetAt === charge.windowResetAts[i]) {
        state.used = Math.max(0, state.used - charge.bytes);
      }
      for (const id of ids) {
        state.reserved?.delete(id);
        const charged = state.settled?.get(id);
        if (charged !== undefined) {
          state.settled?.delete(id);
          state.used -= charged;
        }
      }
    }
  }

  async settle(scope: ByteScope, input: SettleInput): Promise<'recorded' | 'duplicate'> {
    const now = this.clock.now();
    const seenKey = byteSeenKey(byteScopeTag(scope.profile, scope.principalKey), input.dedupeKey);
    const seenUntil = this.seen.get(seenKey);
    if (seenUntil !== undefined && seenUntil > now) return 'duplicate';
    this.sweepSeen(now);
    this.seen.set(seenKey, now + Math.max(1, input.dedupeTtlMs));
    for (const w of distinctByteWindows(scope.windows)) {
      const state = this.prepare(this.key(scope, w.windowSeconds), now, w);
      const previous = state.settled?.get(input.id);
      if (state.reserved?.delete(input.id) === true) state.used += input.actualBytes;
      else state.used += input.actualBytes - (previous ?? 0);
      settledOf(state).set(input.id, input.actualBytes);
    }
    return 'recorded';
  }

  async usage(scope: ByteScope): Promise<ByteWindowUsage[]> {
    const now = this.clock.now();
    return distinctByteWindows(scope.windows).map((w) => {
      const key = this.key(scope, w.windowSeconds);
      if (!this.windows.has(key)) {
        return {
          windowSeconds: w.windowSeconds,
          limitBytes: w.limitBytes,
          usedBytes: 0,
          reservedBytes: 0,
          resetsAt: undefined,
          reservedUntil: undefined,
        };
      }
      const state = this.prepare(key, now, w);
      return {
        windowSeconds: w.windowSeconds,
        limitBytes: w.limitBytes,
        usedBytes: state.used,
        reservedBytes: sumReserved(state),
        resetsAt: state.resetAt,
        reservedUntil:
          state.reserved === undefined || state.reserved.size === 0
            ? undefined
            : Math.max(...[...state.reserved.values()].map((r) => r.expiresAt)),
      };
    });
  }

  private key(scope: ByteScope, windowSeconds: number): string {
    return byteWindowKeys(byteScopeTag(scope.profile, scope.principalKey), windowSeconds).hash;
  }

  /** Rolls an over window (carrying live reservations) or lapses reservations whose time is up. */
  private prepare(key: string, now: number, w: { windowSeconds: number }): WindowState {
    let state = this.windows.get(key);
    if (state === undefined || state.resetAt <= now) {
      const live = [...(state?.reserved ?? [])].filter(([, r]) => r.expiresAt > now);
      const added = state === undefined;
      if (added && this.windows.size >= SWEEP_ABOVE) this.sweepWindows(now);
      state = {
        resetAt: now + w.windowSeconds * 1000,
        used: 0,
        reserved: live.length === 0 ? undefined : new Map(live),
        settled: undefined,
      };
      this.windows.set(added ? flatKey(key) : key, state);
      return state;
    }
    if (state.reserved !== undefined) {
      for (const [id, r] of state.reserved) if (r.expiresAt <= now) state.reserved.delete(id);
      if (state.reserved.size === 0) state.reserved = undefined;
    }
    return state;
  }

  private sweepWindows(now: number): void {
    for (const [key, state] of this.windows) {
      if (state.resetAt > now) continue;
      if (state.reserved === undefined || [...state.reserved.values()].every((r) => r.expiresAt <= now)) this.windows.delete(key);
    }
  }

  private sweepSeen(now: number): void {
    if (this.seen.size < SWEEP_ABOVE) return;
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }
}

function reservedOf(state: WindowState): NonNullable<WindowState['reserved']> {
  state.reserved ??= new Map();
  return state.reserved;
}

function settledOf(state: WindowState): NonNullable<WindowState['settled']> {
  state.settled ??= new Map();
  return state.settled;
}

function sumReserved(state: WindowState): number {
  let sum = 0;
  if (state.reserved === undefined) return sum;
  for (const r of state.reserved.values()) sum += r.bytes;
  return sum;
}
