import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/shared/logger.js';

export interface CapturedLogger {
  logger: Logger;
  /** All output so far (JSON lines). */
  text(): string;
  /** Each line parsed. */
  records<T = Record<string, unknown>>(): T[];
}

/** The broker's logger at `level`, writing to memory instead of stdout. */
export function capturedLogger(level: Parameters<typeof createLogger>[0] = 'debug'): CapturedLogger {
  const chunks: string[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  );
  const text = () => chunks.join('');
  return {
    logger,
    text,
    records: <T>() =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as T),
  };
}
