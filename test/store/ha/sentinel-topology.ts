/**
 * A real Sentinel set-up on loopback: one master, one replica, three Sentinels (quorum 2), all password-protected
 * the way operators run them: the data nodes with `requirepass`/`masterauth`, the Sentinels with their own
 * `requirepass` (so the broker needs `redis.sentinelPassword`). Failure detection is tuned down to one second so a
 * failover takes a few seconds instead of the default 30 s+.
 */
import { randomBytes } from 'node:crypto';
import { adminClient, processGroup, type RedisProcess, waitFor } from './redis-processes.js';

export const MASTER_NAME = 'brokermaster';

export interface SentinelTopology {
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** The data nodes' password (broker: in `redis.url`). */
  nodePassword: string;
  /** The Sentinels' own password (broker: `redis.sentinelPassword`). */
  sentinelPassword: string;
  /** The `redis` config block a broker uses to reach this set-up. */
  redisConfig(keyPrefix: string): Record<string, unknown>;
  /** The port the Sentinels currently name as master. */
  currentMasterPort(): Promise<number>;
  /** The data node process on `port`. */
  node(port: number): RedisProcess;
  stop(): Promise<void>;
}

async function sentinelView(sentinel: RedisProcess, password: string): Promise<Record<string, string>> {
  const client = adminClient(sentinel.port, password);
  client.on('error', () => {});
  try {
    await client.connect();
    const flat = (await client.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[];
    const view: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i]!] = flat[i + 1]!;
    return view;
  } finally {
    client.disconnect();
  }
}

export async function startSentinelTopology(): Promise<SentinelTopology> {
  const group = processGroup('sentinel');
  const nodePassword = randomBytes(12).toString('hex');
  const sentinelPassword = randomBytes(12).toString('hex');
  const auth = [`requirepass ${nodePassword}`, `masterauth ${nodePassword}`];
  try {
    const master = await group.start({ config: () => auth, password: nodePassword });
    const replica = await group.start({ config: () => [...auth, `replicaof 127.0.0.1 ${master.port}`], password: nodePassword });
    await waitFor('the replica to sync', async () => {
      const client = adminClient(replica.port, nodePassword);
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.info('replication')).includes('master_link_status:up') ? true : undefined;
      } finally {
        client.disconnect();
      }
    });
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      sentinels.push(
        await group.start({
          sentinel: true,
          password: sentinelPassword,
          config: () => [
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
            `sentinel auth-pass ${MASTER_NAME} ${nodePassword}`,
            `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
            `sentinel failover-timeout ${MASTER_NAME} 2000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
            `requirepass ${sentinelPassword}`,
            // Sentinels talk to each other too; with requirepass set they must authenticate.
            `sentinel sentinel-pass ${sentinelPassword}`,
          ],
        }),
      );
    }
    // Every Sentinel must know the others and the replica before a failover can be agreed and carried out.
    await waitFor('the Sentinels to discover each other and the replica', async () => {
      const views = await Promise.all(sentinels.map((s) => sentinelView(s, sentinelPassword)));
      return views.every((v) => v['num-other-sentinels'] === '2' && v['num-slaves'] === '1') ? true : undefined;
    });
    const nodes = [master, replica];
    const topology: SentinelTopology = {
      master,
      replica,
      sentinels,
      nodePassword,
      sentinelPassword,
      redisConfig: (keyPrefix) => ({
        // The host part is not used in Sentinel mode; the url carries the data nodes' credentials.
        url: `redis://:${nodePassword}@sentinel-managed`,
        sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
        sentinelName: MASTER_NAME,
        sentinelPassword,
        keyPrefix,
        // As generous as test/helpers/broker.ts: the suites share two busy cores. Failover itself fails fast
        // (refused connections, offline queue off); these deadlines only matter for a stalled command.
        commandTimeoutMs: 2000,
        connectTimeoutMs: 2000,
      }),
      async currentMasterPort() {
        for (const s of sentinels) {
          if (s.child.exitCode !== null) continue;
          const client = adminClient(s.port, sentinelPassword);
          client.on('error', () => {});
          try {
            await client.connect();
            const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
            return Number(port);
          } catch {
            // try the next Sentinel
          } finally {
            client.disconnect();
          }
        }
        throw new Error('no Sentinel answered');
      },
      node(port) {
        const found = nodes.find((n) => n.port === port);
        if (found === undefined) throw new Error(`no data node on port ${port}`);
        return found;
      },
      stop: () => group.stop(),
    };
    return topology;
  } catch (error) {
    await group.stop();
    throw error;
  }
}
