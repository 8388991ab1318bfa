/**
 * Test helpers for the real Redis (REDIS_URL, default redis://127.0.0.1:6379): a unique key prefix per test file,
 * a connected RedisStore, and clean-up of everything under the prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore, type StoreLogger } from '../../src/store/index.js';
import type { RedisConfig } from '../../src/store/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `osbtest:${name}:${randomBytes(6).toString('hex')}:`;
}

export function redisConfig(keyPrefix: string, overrides: Partial<RedisConfig> = {}): RedisConfig {
  return { url: REDIS_URL, keyPrefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, ...overrides };
}

export async function connectedStore(keyPrefix: string, logger?: StoreLogger): Promise<RedisStore> {
  const store = RedisStore.fromConfig(redisConfig(keyPrefix), logger);
  await store.connect();
  return store;
}

/** A plain client for looking at raw values and cleaning up; not the code under test. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

export { ManualClock } from '../../dev/testing/clock.js';

export interface LogLine {
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function collectingLogger(): StoreLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, warn: (obj, msg) => void lines.push({ obj, msg }) };
}

/**
 * One test file's share of the real Redis: its own key prefix, a raw client for inspection, the stores it opens,
 * and the clean-up that removes all of it (register `scope.cleanup` with afterAll).
 */
export function redisScope(name: string) {
  const prefix = uniquePrefix(name);
  const raw = rawClient();
  const opened: Array<{ close(): Promise<void> }> = [];
  return {
    prefix,
    raw,
    opened,
    /** A connected RedisStore under the prefix, closed by cleanup. */
    async store(logger?: StoreLogger): Promise<RedisStore> {
      const store = await connectedStore(prefix, logger);
      opened.push(store);
      return store;
    },
    async cleanup(): Promise<void> {
      await deleteByPrefix(raw, prefix);
      await Promise.all(opened.map((s) => s.close()));
      raw.disconnect();
    },
  };
}
