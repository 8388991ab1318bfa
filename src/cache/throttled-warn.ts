/**
 * Warn about a recurring condition once per interval per event name. When Redis is down every request would
 * otherwise log the same line, drowning the logs exactly when someone is reading them.
 */
import type { Clock } from '../shared/clock.js';
import type { StoreLogger } from '../store/index.js';

export type ThrottledWarn = (event: string, fields: Record<string, unknown>, msg: string) => void;

export function createThrottledWarn(logger: StoreLogger, clock: Clock, intervalMs: number): ThrottledWarn {
  const last = new Map<string, number>();
  return (event, fields, msg) => {
    const now = clock.now();
    const previous = last.get(event);
    if (previous !== undefined && now - previous < intervalMs) return;
    last.set(event, now);
    logger.warn({ event, ...fields }, msg);
  };
}
