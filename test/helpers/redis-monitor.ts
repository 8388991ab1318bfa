/**
 * Redis MONITOR on a plain socket. ioredis's `monitor()` cannot be used against a Redis that other test files share:
 * when MONITOR's `+OK` and the first monitored command arrive in one read, ioredis takes the command for a reply
 * before it has switched the connection to monitoring, and fails the suite with "Command queue state error"
 * (https://github.com/redis/ioredis/issues/1981). Here every line after `+OK` is a monitored command.
 *
 * Format of a line: `+<unix time> [<db> <client address>|lua] "<command>" "<arg>" ...`, each argument quoted and
 * escaped as `sdscatrepr` does (https://redis.io/docs/latest/commands/monitor/).
 */
import net from 'node:net';
import { REDIS_URL } from '../store/helpers.js';

export interface MonitoredCommand {
  /** The command and its arguments, unescaped. */
  args: string[];
  /** `lua` for a command a script ran, else the client's address. */
  source: string;
}

export interface RedisMonitor {
  close(): void;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/** The quoted arguments of one monitor line, unescaped. */
export function parseMonitorArgs(quoted: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < quoted.length) {
    if (quoted[i] !== '"') {
      i += 1;
      continue;
    }
    let arg = '';
    i += 1;
    while (i < quoted.length && quoted[i] !== '"') {
      if (quoted[i] === '\\') {
        const next = quoted[i + 1] ?? '';
        if (next === 'x') {
          arg += String.fromCharCode(Number.parseInt(quoted.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          arg += ESCAPES[next] ?? next;
          i += 2;
        }
      } else {
        arg += quoted[i];
        i += 1;
      }
    }
    args.push(arg);
    i += 1;
  }
  return args;
}

/** A command as a RESP array, so that no argument needs quoting. */
const respCommand = (args: string[]): string =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

// The source has no space but may hold brackets (`[::1]:6379`): it ends at the last `]` before the first space.
const LINE = /^\+\d+\.\d+ \[(?:\d+ )?(\S+)\] (.*)$/;

/** One line of MONITOR's output as a command, or undefined for a line that is not one. */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const match = LINE.exec(line);
  return match === null ? undefined : { source: match[1]!, args: parseMonitorArgs(match[2]!) };
}

/** Starts MONITOR on REDIS_URL; resolves once Redis has confirmed it, so nothing sent after that is missed. */
export function monitorRedis(onCommand: (command: MonitoredCommand) => void): Promise<RedisMonitor> {
  const url = new URL(REDIS_URL);
  const socket = net.connect(Number(url.port || 6379), url.hostname);
  return new Promise((resolve, reject) => {
    let buffered = '';
    // AUTH's `+OK` (when the URL has a password), then MONITOR's.
    let okExpected = url.password ? 2 : 1;
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('connect', () => {
      const user = decodeURIComponent(url.username || 'default');
      if (url.password) socket.write(respCommand(['AUTH', user, decodeURIComponent(url.password)]));
      socket.write(respCommand(['MONITOR']));
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (okExpected > 0) {
          if (line !== '+OK') {
            socket.destroy();
            reject(new Error(`MONITOR refused: ${line}`));
            return;
          }
          okExpected -= 1;
          if (okExpected === 0) resolve({ close: () => socket.destroy() });
          continue;
        }
        const command = parseMonitorLine(line);
        if (command !== undefined) onCommand(command);
      }
    });
  });
}
