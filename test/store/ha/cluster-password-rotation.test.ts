/**
 * A rotated Redis password on a real Redis Cluster (three masters, three replicas, natMap): after
 * `RedisStore.updateCredentials`, every node's reconnection authenticates with the new password, on each of the
 * three masters. A store that was not told fails on the same reconnection, which is what the update is for.
 * (In the broker the update comes from BROKER_REDIS_URL in KMS: runtime/build-deps.ts.)
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig } from '../../../dev/testing/config.js';
import { parseConfig } from '../../../src/runtime/load-config.js';
import { RedisStore } from '../../../src/store/index.js';
import { type ClusterTopology, startClusterTopology } from './cluster-topology.js';
import { adminClient, haToolsAvailable, waitFor } from './redis-processes.js';

const KEY_PREFIX = 'osb-rotation:';
const FIRST = randomBytes(12).toString('hex');
const SECOND = randomBytes(12).toString('hex');

let topology: ClusterTopology;
/** One key per master, so that every master sees a reconnection. */
let keys: string[];
const stores: RedisStore[] = [];

/** Runs `commands` on every node (masters and replicas), authenticated with `password` when there is one. */
async function onEveryNode(password: string | undefined, commands: string[][]): Promise<void> {
  for (const node of topology.nodes) {
    const client = adminClient(node.port, password);
    client.on('error', () => {});
    await client.connect();
    try {
      for (const [command, ...args] of commands) await client.call(command!, ...args);
    } finally {
      client.disconnect();
    }
  }
}

const setPassword = (current: string | undefined, next: string) =>
  onEveryNode(current, [
    ['CONFIG', 'SET', 'masterauth', next],
    ['CONFIG', 'SET', 'requirepass', next],
  ]);

function storeWith(password: string): RedisStore {
  const config = parseConfig(minimalConfig({ redis: { ...topology.redisConfig(KEY_PREFIX), url: `redis://:${password}@redis-cluster` } }));
  const store = RedisStore.fromConfig(config.redis);
  stores.push(store);
  return store;
}

/** Whether `store` reads every key back, each on its own master. */
async function readsEveryKey(store: RedisStore): Promise<boolean> {
  const values = await Promise.all(keys.map((k) => store.get(k).catch(() => undefined)));
  return values.every((v, i) => v === `value-${keys[i]}`);
}

beforeAll(async () => {
  if (!haToolsAvailable()) throw new Error('the HA suites need redis-server 7+ and `redis-cli --cluster` (.ci/run installs them)');
  topology = await startClusterTopology();
  const byMaster = new Map<number, string>();
  for (let i = 0; byMaster.size < 3 && i < 200; i++) {
    const key = `k${i}`;
    const port = await topology.masterPortForKey(`${KEY_PREFIX}${key}`);
    if (!byMaster.has(port)) byMaster.set(port, key);
  }
  keys = [...byMaster.values()];
  await setPassword(undefined, FIRST);
}, 60_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  await topology?.stop();
}, 60_000);

describe('Redis Cluster password rotation', () => {
  it('reconnects every node with the new password after updateCredentials; a store not told cannot', { timeout: 60_000 }, async () => {
    expect(keys).toHaveLength(3);
    const rotating = storeWith(FIRST);
    const stale = storeWith(FIRST);
    await rotating.connect();
    await stale.connect();
    for (const key of keys) await rotating.set(key, `value-${key}`, 60_000);
    expect(await readsEveryKey(rotating)).toBe(true);
    expect(await readsEveryKey(stale)).toBe(true);

    await setPassword(FIRST, SECOND);
    rotating.updateCredentials({ url: `redis://:${SECOND}@redis-cluster` });
    // Redis keeps open connections authenticated after a password change: cut them so every node reconnects.
    await onEveryNode(SECOND, [['CLIENT', 'KILL', 'TYPE', 'normal']]);

    await waitFor('the rotated store to read every key again', async () => ((await readsEveryKey(rotating)) ? true : undefined));
    expect(await readsEveryKey(stale)).toBe(false);
    const refused = await stale.get(keys[0]!).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused?.name).toBe('StoreUnavailableError');
    expect(String(refused?.message)).not.toContain(FIRST);
  });
});
