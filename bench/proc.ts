/**
 * What the parent reads about a child server from /proc (Linux), without asking the child: CPU time (utime + stime
 * from /proc/<pid>/stat, all threads) and resident memory (VmRSS, VmHWM from /proc/<pid>/status). Reading from
 * outside costs the measured process nothing. See proc(5): https://man7.org/linux/man-pages/man5/proc.5.html
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime (sysconf(_SC_CLK_TCK)); 100 on common Linux builds. */
export const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** CPU time the process has used so far (user + system, every thread), in microseconds; undefined off Linux. */
export function cpuMicros(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), 1-based in proc(5); the slice starts at field 3.
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** VmRSS (now) and VmHWM (peak over the process's life), bytes; undefined off Linux. */
export function residentMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number | undefined => {
      const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    };
    const rss = kb('VmRSS');
    const hwm = kb('VmHWM');
    return rss === undefined || hwm === undefined ? undefined : { rss, hwm };
  } catch {
    return undefined;
  }
}

/** Pins a process to the given CPUs with taskset; returns whether it worked. */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-pc', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
