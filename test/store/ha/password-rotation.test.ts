/**
 * A rotated Redis password on real HA set-ups: after `RedisStore.updateCredentials`, every reconnection
 * authenticates with the new password, and a store that was not told fails on the same reconnection, which is what
 * the update is for. (In the broker the update comes from BROKER_REDIS_URL and BROKER_REDIS_SENTINEL_PASSWORD in KMS:
 * runtime/build-deps.ts.) Redis keeps open connections authenticated after a password change, so each test cuts the
 * clients' connections to force the reconnection.
 * - Redis Cluster (three masters, three replicas, natMap): the new password reaches a key on each master.
 * - Sentinel (one master, one replica, three Sentinels): both the data nodes' password and the Sentinels' own.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig } from '../../../dev/testing/config.js';
import { parseConfig } from '../../../src/runtime/load-config.js';
import { RedisStore } from '../../../src/store/index.js';
import { type ClusterTopology, startClusterTopology } from './cluster-topology.js';
import { adminClient, haToolsAvailable, waitFor } from './redis-processes.js';
import { MASTER_NAME, type SentinelTopology, startSentinelTopology } from './sentinel-topology.js';

const SETUP_TIMEOUT_MS = 60_000;
const KEY_PREFIX = 'osb-rotation:';
const newPassword = () => randomBytes(12).toString('hex');
const stores: RedisStore[] = [];

/** Runs `commands` on the server at `port`, one connection, authenticated with `password` when there is one. */
async function run(port: number, password: string | undefined, commands: string[][]): Promise<unknown[]> {
  const client = adminClient(port, password);
  client.on('error', () => {});
  await client.connect();
  try {
    const replies: unknown[] = [];
    for (const [command, ...args] of commands) replies.push(await client.call(command!, ...args));
    return replies;
  } finally {
    client.disconnect();
  }
}

function storeFor(redis: Record<string, unknown>): RedisStore {
  const store = RedisStore.fromConfig(parseConfig(minimalConfig({ redis })).redis);
  stores.push(store);
  return store;
}

/** Whether `store` reads every one of `keys` back (each was set to `value-<key>`). */
async function readsEvery(store: RedisStore, keys: string[]): Promise<boolean> {
  const values = await Promise.all(keys.map((k) => store.get(k).catch(() => undefined)));
  return values.every((v, i) => v === `value-${keys[i]}`);
}

/** What `store.get` rejects with now (undefined when it answers). */
const refusal = (store: RedisStore, key: string) =>
  store.get(key).then(
    () => undefined,
    (error: Error) => error,
  );

beforeAll(() => {
  if (!haToolsAvailable()) throw new Error('the HA suites need redis-server 7+ and `redis-cli --cluster` (.ci/run installs them)');
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
});

describe('Redis Cluster password rotation', () => {
  let topology: ClusterTopology;
  /** One key per master, so that every master sees a reconnection. */
  let keys: string[];
  const first = newPassword();

  const onEveryNode = async (password: string | undefined, commands: string[][]) => {
    for (const node of topology.nodes) await run(node.port, password, commands);
  };
  const setPassword = (current: string | undefined, next: string) =>
    onEveryNode(current, [
      ['CONFIG', 'SET', 'masterauth', next],
      ['CONFIG', 'SET', 'requirepass', next],
    ]);

  beforeAll(async () => {
    topology = await startClusterTopology();
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < 3 && i < 200; i++) {
      const port = await topology.masterPortForKey(`${KEY_PREFIX}k${i}`);
      if (!byMaster.has(port)) byMaster.set(port, `k${i}`);
    }
    keys = [...byMaster.values()];
    await setPassword(undefined, first);
  }, SETUP_TIMEOUT_MS);

  afterAll(() => topology?.stop(), SETUP_TIMEOUT_MS);

  it('reconnects every node with the new password after updateCredentials; a store not told cannot', { timeout: 60_000 }, async () => {
    expect(keys).toHaveLength(3);
    const config = (password: string) => ({ ...topology.redisConfig(KEY_PREFIX), url: `redis://:${password}@redis-cluster` });
    const rotating = storeFor(config(first));
    const stale = storeFor(config(first));
    await rotating.connect();
    await stale.connect();
    for (const key of keys) await rotating.set(key, `value-${key}`, 60_000);
    expect(await readsEvery(stale, keys)).toBe(true);

    const second = newPassword();
    await setPassword(first, second);
    rotating.updateCredentials({ url: config(second).url });
    await onEveryNode(second, [['CLIENT', 'KILL', 'TYPE', 'normal']]);

    await waitFor('the rotated store to read every key again', async () => ((await readsEvery(rotating, keys)) ? true : undefined));
    expect(await readsEvery(stale, keys)).toBe(false);
    const refused = await refusal(stale, keys[0]!);
    expect(refused?.name).toBe('StoreUnavailableError');
    expect(String(refused?.message)).not.toContain(first);
  });
});

describe('Redis Sentinel password rotation', () => {
  let topology: SentinelTopology;

  beforeAll(async () => {
    topology = await startSentinelTopology();
  }, SETUP_TIMEOUT_MS);

  afterAll(() => topology?.stop(), SETUP_TIMEOUT_MS);

  /**
   * Cuts the connections of clients of the data nodes, except the Sentinels' own (named `sentinel-…`): cutting those
   * would make the Sentinels see the master down and fail over, which is not what this test is about.
   */
  async function cutClients(nodePassword: string): Promise<void> {
    for (const node of [topology.master, topology.replica]) {
      const [list] = (await run(node.port, nodePassword, [['CLIENT', 'LIST', 'TYPE', 'normal']])) as [string];
      const ids = list
        .split('\n')
        .filter((line) => line !== '' && !/ name=sentinel-/.test(line))
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      // CLIENT KILL's filters are ANDed: one ID per command.
      await run(
        node.port,
        nodePassword,
        ids.map((id) => ['CLIENT', 'KILL', 'ID', id]),
      );
    }
  }

  it('reconnects through the Sentinels with both new passwords after updateCredentials; a store not told cannot', {
    timeout: 60_000,
  }, async () => {
    const base = topology.redisConfig(KEY_PREFIX);
    const rotating = storeFor(base);
    const stale = storeFor(base);
    await rotating.connect();
    await stale.connect();
    await rotating.set('k', 'value-k', 60_000);
    expect(await readsEvery(stale, ['k'])).toBe(true);

    const nodePassword = newPassword();
    const sentinelPassword = newPassword();
    for (const node of [topology.master, topology.replica]) {
      await run(node.port, topology.nodePassword, [
        ['CONFIG', 'SET', 'masterauth', nodePassword],
        ['CONFIG', 'SET', 'requirepass', nodePassword],
      ]);
    }
    for (const sentinel of topology.sentinels) {
      await run(sentinel.port, topology.sentinelPassword, [
        ['SENTINEL', 'SET', MASTER_NAME, 'auth-pass', nodePassword],
        ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', sentinelPassword],
        ['ACL', 'SETUSER', 'default', 'resetpass', `>${sentinelPassword}`],
      ]);
    }
    rotating.updateCredentials({ url: `redis://:${nodePassword}@sentinel-managed`, sentinelPassword });
    await cutClients(nodePassword);

    await waitFor('the rotated store to read again', async () => ((await readsEvery(rotating, ['k'])) ? true : undefined));
    // No failover happened on the way: the Sentinels (asked with their new password) still name the same master.
    const [[, port]] = (await run(topology.sentinels[0]!.port, sentinelPassword, [
      ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME],
    ])) as [[string, string]];
    expect(Number(port)).toBe(topology.master.port);
    expect(await readsEvery(stale, ['k'])).toBe(false);
    const refused = await refusal(stale, 'k');
    expect(refused?.name).toBe('StoreUnavailableError');
    expect(String(refused?.message)).not.toContain(topology.nodePassword);
  });
});
