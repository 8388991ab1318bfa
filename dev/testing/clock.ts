/** Clocks for tests: time moves only when the test says so, without fake timers. */
import type { Clock } from '../../src/shared/clock.js';

/** 2026-11-22T10:00:00Z: a fixed "now" that tests and their fixtures share. */
export const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

/** Always `ms`. */
export const fixedClock = (ms = NOW_MS): Clock => ({ now: () => ms });

/** Starts at `time` and moves forward by `advance`. */
export class ManualClock implements Clock {
  constructor(public time = NOW_MS) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
