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
