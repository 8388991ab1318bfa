import { afterAll, describe, expect, it } from 'vitest';
import { monitorRedis, parseMonitorArgs, parseMonitorLine, type MonitoredCommand } from './redis-monitor.js';
import { rawClient, uniquePrefix } from '../store/helpers.js';

describe('parseMonitorArgs', () => {
  it('unquotes each argument and undoes the escapes Redis writes', () => {
    expect(parseMonitorArgs(String.raw`"set" "a \"b\"" "x\\y" "1\n2\r\t" "\x00\xff"`)).toEqual([
      'set',
      'a "b"',
      'x\\y',
      '1\n2\r\t',
      '\x00\xff',
    ]);
  });
});

describe('parseMonitorLine', () => {
  it('names the source: an IPv4 or IPv6 client, or a script', () => {
    expect(parseMonitorLine('+1796573803.277995 [0 127.0.0.1:33370] "get" "k"')).toEqual({ source: '127.0.0.1:33370', args: ['get', 'k'] });
    expect(parseMonitorLine('+1796573803.277995 [3 [::1]:6379] "get" "k"')).toEqual({ source: '[::1]:6379', args: ['get', 'k'] });
    expect(parseMonitorLine('+1796573803.277995 [0 lua] "incr" "a] [b"')).toEqual({ source: 'lua', args: ['incr', 'a] [b'] });
  });

  it('is undefined for a line that is not a monitored command', () => {
    expect(parseMonitorLine('+OK')).toBeUndefined();
    expect(parseMonitorLine('-ERR unknown command')).toBeUndefined();
  });
});

describe('monitorRedis', () => {
  const raw = rawClient();
  afterAll(() => raw.disconnect());

  it('reports a command sent after it resolved, with its arguments as sent', async () => {
    const key = `${uniquePrefix('monitor')}k`;
    const seen: MonitoredCommand[] = [];
    const monitor = await monitorRedis((command) => {
      if (command.args.includes(key)) seen.push(command);
    });
    try {
      await raw.set(key, 'with "quotes"\nand a newline', 'EX', 5);
      await expect.poll(() => seen.length).toBe(1);
      expect(seen[0]!.args).toEqual(['set', key, 'with "quotes"\nand a newline', 'EX', '5']);
      expect(seen[0]!.source).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      monitor.close();
      await raw.del(key);
    }
  });
});
