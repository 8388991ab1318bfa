/**
 * Where the broker's log and audit lines go in production: standard output, written asynchronously in batches so
 * that no request waits for a write(2). A synchronous destination (pino's default) made every audit line a system
 * call on the request path, and a slow reader of stdout (the container runtime, a log shipper) stalled requests.
 *
 * - Batched: lines collect until `minLength` bytes, then go out in one asynchronous write (sonic-boom,
 *   https://github.com/pinojs/sonic-boom#readme); while a write is in flight, new lines queue behind it. A quiet
 *   process does not sit on its last lines: whatever is queued is written at least every `maxDelayMs`.
 * - Bounded, never dropping: once more than `maxBufferBytes` wait to be written (stdout not keeping up), the next
 *   line writes everything queued synchronously, so the request path blocks, as with a synchronous destination,
 *   rather than the process growing without bound or losing a line. (sonic-boom's own `maxLength` drops lines: an
 *   audit trail must not.)
 * - Flushed on the way out: shutdown (runtime/server.ts) waits for `flush` before it exits, and pino writes what is
 *   left synchronously on `process.exit` (its exit hook on an asynchronous sonic-boom). A SIGKILL or an abort
 *   loses what was queued and not yet written: the lines of the last `maxDelayMs` (at most about `minLength` bytes
 *   plus one write in flight) while stdout keeps up, up to `maxBufferBytes` when it does not (docs/operations.md).
 */
import { pino } from 'pino';

export interface LogDestinationOptions {
  /** File descriptor; 1 = standard output. */
  fd?: number;
  /** Lines are written once this many bytes are queued (or by a flush). */
  minLength?: number;
  /** Beyond this many queued bytes, writing becomes synchronous until the queue is empty. */
  maxBufferBytes?: number;
  /** Queued lines are written at least this often, however few. */
  maxDelayMs?: number;
}

export const LOG_MIN_LENGTH = 4096;
export const LOG_MAX_BUFFER_BYTES = 8 * 1024 * 1024;
export const LOG_MAX_DELAY_MS = 100;

export interface LogDestination extends pino.DestinationStream {
  write(line: string): void;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

export function createLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const maxBufferBytes = options.maxBufferBytes ?? LOG_MAX_BUFFER_BYTES;
  const sonic = pino.destination({ dest: options.fd ?? 1, sync: false, minLength: options.minLength ?? LOG_MIN_LENGTH });
  // Queued and not yet written, as counted here (UTF-16 length: the lines are ASCII JSON, and the bound need not
  // be exact). sonic-boom reports each finished asynchronous write; a synchronous flush empties the queue.
  let queued = 0;
  sonic.on('write', (written: number) => {
    queued = Math.max(0, queued - written);
  });
  const flushSync = (): void => {
    sonic.flushSync();
    queued = 0;
  };
  const timer = setInterval(() => {
    if (queued > 0) sonic.flush();
  }, options.maxDelayMs ?? LOG_MAX_DELAY_MS);
  timer.unref();
  sonic.on('close', () => clearInterval(timer));
  return {
    write(line) {
      sonic.write(line);
      queued += line.length;
      if (queued > maxBufferBytes) flushSync();
    },
    flush(callback) {
      sonic.flush(callback);
    },
    flushSync,
  };
}
