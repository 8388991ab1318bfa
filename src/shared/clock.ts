/** Injected time source, so tests can move time without fake timers. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The last second isoSeconds wrote: every answer carries `serverTime`, and most answers in a second share it. */
let lastSecond = Number.NaN;
let lastText = '';

/**
 * An instant as the API writes it: UTC, whole seconds. STS and ali-oss both use second-precision UTC timestamps
 * (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
 */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** The last millisecond isoMillis wrote: a decision's audit line and its access line usually share it. */
let lastMillisecond = Number.NaN;
let lastMillisText = '';

/** An instant as the logs write it: `Date#toISOString`, milliseconds included. */
export function isoMillis(ms: number): string {
  if (ms !== lastMillisecond) {
    lastMillisText = new Date(ms).toISOString();
    lastMillisecond = ms;
  }
  return lastMillisText;
}

/**
 * `ms` as an int32 (a Smi to V8) when it is an integer in that range; unchanged otherwise. For times kept as ms since
 * a process-local epoch (shared/expiring-lru.ts, store/memory-store.ts): stored as a Smi, not a boxed HeapNumber.
 */
export function smallInt(ms: number): number {
  return Number.isInteger(ms) && ms >= -0x80000000 && ms <= 0x7fffffff ? ms | 0 : ms;
}
