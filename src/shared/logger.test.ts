import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, isoTimeField } from './logger.js';

describe('the time of a log line', () => {
  it("is pino's isoTime, for the same millisecond again and for the next one", () => {
    const now = vi.spyOn(Date, 'now');
    try {
      for (const ms of [1_800_000_000_123, 1_800_000_000_123, 1_800_000_000_124, 1_800_000_000_999]) {
        now.mockReturnValue(ms);
        expect(isoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
      }
    } finally {
      now.mockRestore();
    }
  });

  it('is the time field of a line', () => {
    const lines: string[] = [];
    const before = Date.now();
    createLogger('info', { write: (line: string) => lines.push(line) }).info({ event: 'x' }, 'x');
    const time = Date.parse(JSON.parse(lines[0]!).time as string);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });
});
