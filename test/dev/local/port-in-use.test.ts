/**
 * A local-mode port that is already taken stops start-up with one line naming the variable to change (PORT,
 * LOCAL_STS_PORT, LOCAL_OSS_PORT), not a raw EADDRINUSE stack; what started before it is closed again.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPortError } from '../../../dev/local/port-in-use.js';
import { startLocalStack } from '../../../dev/local/start-local.js';

const root = path.resolve(import.meta.dirname, '../../..');
let blocker: Server;
let taken: number;

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  taken = (blocker.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

describe('a local-mode port already in use', () => {
  it.each([
    ['PORT', { broker: -1, sts: 0, oss: 0 }],
    ['LOCAL_STS_PORT', { broker: 0, sts: -1, oss: 0 }],
    ['LOCAL_OSS_PORT', { broker: 0, sts: 0, oss: -1 }],
  ] as const)('names %s', async (variable, layout) => {
    const ports = {
      broker: layout.broker < 0 ? taken : 0,
      sts: layout.sts < 0 ? taken : 0,
      oss: layout.oss < 0 ? taken : 0,
    };
    const error = await startLocalStack({ ports, env: { LOG_LEVEL: 'silent', LOCAL_PARTNER_API_KEY: '' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LocalPortError);
    const message = (error as LocalPortError).message;
    expect(message).not.toContain('\n');
    expect(message).toBe(
      `local mode: port ${taken} on 127.0.0.1 is already in use; set ${variable} to a free port, e.g. ${variable}=${taken + 1} npm start`,
    );
  });

  it("`npm start`'s entry prints that one line and exits 1", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'dev', 'local', 'main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(taken), LOCAL_STS_PORT: '0', LOCAL_OSS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `local mode: port ${taken} on 127.0.0.1 is already in use; set PORT to a free port, e.g. PORT=${taken + 1} npm start\n`,
    );
  }, 60_000);
});
