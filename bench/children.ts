/**
 * Starting and talking to the child servers (bench/server.ts, one server per process). CPU time and resident memory
 * are read from /proc by the parent (bench/proc.ts); memory detail and the emulator's counters come over IPC.
 * Every child is killed when the parent exits, and exits by itself when the IPC channel closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuMicros, pin, residentMemory } from './proc.js';
import type { ChildMessage, ChildStats, GcPause, ParentMessage, ServerSpec } from './protocol.js';

export interface ChildServer {
  name: string;
  pid: number;
  port: number;
  /** The STS emulator's one-run CA (sts children only): brokers trust it in code, as STS is HTTPS only. */
  stsCa: string | undefined;
  stats(resetPeak?: boolean): Promise<ChildStats>;
  /** A full GC, then the heap still in use (bytes); null unless the child runs with --expose-gc. */
  liveHeap(): Promise<number | null>;
  /** Start counting the bytes the child's JS heap allocates. */
  allocStart(): Promise<void>;
  /** The child's garbage-collection pauses that ended after a wall-clock time (epoch ms; the last minute at most). */
  pauses(sinceEpochMs: number): Promise<GcPause[]>;
  /** Stop counting: bytes allocated since allocStart, the collections in between and their summed pause. */
  allocStop(): Promise<{ bytes: number; collections: number; gcPauseMs: number }>;
  /** CPU time used so far, µs, from /proc/<pid>/stat. */
  cpuMicros(): number;
  /** VmRSS and VmHWM from /proc/<pid>/status, bytes. */
  memory(): { rss: number; hwm: number } | undefined;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** The built bench/server.js. */
  entry: string;
  /** Node flags for this child (e.g. --expose-gc). */
  execArgv?: string[];
  /** Pin the child to the last CPU (BENCH_PIN=1). */
  pin?: boolean;
  /** A file for the child's stdout and stderr (appended); without one they go to the parent's. */
  outputFile?: string;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function spawnServer(name: string, spec: ServerSpec, options: SpawnOptions): Promise<ChildServer> {
  const output = options.outputFile === undefined ? 'inherit' : openSync(options.outputFile, 'a');
  const child = fork(options.entry, [], { execArgv: options.execArgv ?? [], stdio: ['ignore', output, output, 'ipc'] });
  if (typeof output === 'number') closeSync(output);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const post = (message: ParentMessage): void => {
    child.send(message);
  };
  const next = <T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no '${type}' message within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: ChildMessage): void => {
        if (message.type === 'error') {
          cleanup();
          reject(new Error(`${name}: ${message.message}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message as Extract<ChildMessage, { type: T }>);
        }
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`${name}: exited (code ${code}) while waiting for '${type}'`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  const ready = next('ready', 30_000);
  post({ cmd: 'start', spec });
  return ready.then((message) => {
    const { pid, port } = message;
    if (options.pin) pin(pid, String(cpus().length - 1));
    return {
      name,
      pid,
      port,
      stsCa: 'stsCa' in message ? message.stsCa : undefined,
      async stats(resetPeak = false) {
        const reply = next('stats', 5000);
        post({ cmd: 'stats', resetPeak });
        return (await reply).stats;
      },
      async liveHeap() {
        const reply = next('gc', 30_000);
        post({ cmd: 'gc' });
        return (await reply).liveHeap;
      },
      async pauses(sinceEpochMs) {
        const reply = next('pauses', 5000);
        post({ cmd: 'pauses', sinceEpochMs });
        return (await reply).pauses;
      },
      async allocStart() {
        const reply = next('alloc', 5000);
        post({ cmd: 'alloc', action: 'start' });
        await reply;
      },
      async allocStop() {
        const reply = next('alloc', 5000);
        post({ cmd: 'alloc', action: 'stop' });
        const { bytes, collections, gcPauseMs } = await reply;
        return { bytes, collections, gcPauseMs };
      },
      cpuMicros() {
        const value = cpuMicros(pid);
        if (value === undefined) throw new Error(`${name}: cannot read /proc/${pid}/stat (the benchmark needs Linux)`);
        return value;
      },
      memory() {
        return residentMemory(pid);
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        post({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}
