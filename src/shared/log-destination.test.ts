/**
 * The asynchronous log destination: lines queue until a batch is full, a quiet destination still writes what it
 * holds, and past its bound it writes synchronously instead of growing or dropping.
 */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDestination } from './log-destination.js';

const opened: number[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
});

function tempFile(): { fd: number; read(): string } {
  const path = join(mkdtempSync(join(tmpdir(), 'osb-log-')), 'out.log');
  const fd = openSync(path, 'w');
  opened.push(fd);
  return { fd, read: () => readFileSync(path, 'utf8') };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('log destination', () => {
  it('holds a short line until the batch fills or the delay passes, then writes it', async () => {
    const file = tempFile();
    const destination = createLogDestination({ fd: file.fd, minLength: 16_000, maxDelayMs: 20 });
    destination.write('{"n":1}\n');
    expect(file.read()).toBe('');
    await until(() => file.read() !== '');
    expect(file.read()).toBe('{"n":1}\n');
  });

  it('past its bound writes everything queued synchronously, losing nothing', () => {
    const file = tempFile();
    const destination = createLogDestination({ fd: file.fd, minLength: 16_000, maxBufferBytes: 1000, maxDelayMs: 60_000 });
    const lines = Array.from({ length: 40 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}\n`);
    for (const line of lines) destination.write(line);
    // 40 lines of ~57 bytes passed the 1,000-byte bound at least twice: all but the tail is on disk already.
    const written = file.read();
    expect(written.length).toBeGreaterThan(1000);
    destination.flushSync();
    expect(file.read()).toBe(lines.join(''));
  });

  it('flush(callback) calls back once what was queued is written', async () => {
    const file = tempFile();
    const destination = createLogDestination({ fd: file.fd, minLength: 16_000, maxDelayMs: 60_000 });
    destination.write('{"last":true}\n');
    await new Promise<void>((resolve, reject) => destination.flush((error) => (error ? reject(error) : resolve())));
    expect(file.read()).toBe('{"last":true}\n');
  });
});
