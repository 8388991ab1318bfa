/**
 * A real Redis Cluster on loopback: three masters and one replica each, built with `redis-cli --cluster create`.
 *
 * Each node announces a hostname that does not resolve (`node<port>.redis.invalid`) and prefers it as its endpoint
 * (`cluster-preferred-endpoint-type hostname`), the way nodes behind NAT or in containers announce addresses a
 * client cannot reach. CLUSTER SLOTS and MOVED replies then carry those names, so the broker only works through
 * `redis.natMap`: the suite proves natMap for real, not just the option it produces. Replication and the cluster
 * bus still use the nodes' IP addresses, as they would inside the private network.
 */
import { spawn } from 'node:child_process';
import { adminClient, processGroup, type RedisProcess, waitFor } from './redis-processes.js';

export interface ClusterTopology {
  nodes: RedisProcess[];
  /** The `redis` config block a broker uses to reach this cluster (seed node + natMap). */
  redisConfig(keyPrefix: string): Record<string, unknown>;
  /** The port of the master that currently serves `key`'s slot (asked of a live node). */
  masterPortForKey(key: string): Promise<number>;
  node(port: number): RedisProcess;
  /** CLUSTER FAILOVER on the replica of `key`'s master (the old master stays up as a replica); resolves once settled. */
  plannedFailover(key: string): Promise<void>;
  stop(): Promise<void>;
}

export const announcedHost = (port: number): string => `node${port}.redis.invalid`;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}:\n${out}`))));
  });
}

async function onLiveNode<T>(nodes: RedisProcess[], fn: (client: ReturnType<typeof adminClient>) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const node of nodes) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
    const client = adminClient(node.port);
    client.on('error', () => {});
    try {
      await client.connect();
      return await fn(client);
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
  }
  throw lastError ?? new Error('no live cluster node');
}

/** CLUSTER SLOTS → [start, end, port of master] with the master's announced port. */
async function slotOwners(nodes: RedisProcess[]): Promise<Array<[number, number, number]>> {
  const slots = await onLiveNode(nodes, (c) => c.call('CLUSTER', 'SLOTS') as Promise<Array<[number, number, [string, number]]>>);
  return slots.map(([start, end, master]) => [start, end, master[1]]);
}

export async function startClusterTopology(): Promise<ClusterTopology> {
  const group = processGroup('cluster');
  try {
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await group.start({
          bus: true,
          config: (port) => [
            'cluster-enabled yes',
            `cluster-config-file nodes-${port}.conf`,
            // A master is declared failed after 1 s without answers (default 15 s), so failover takes seconds.
            'cluster-node-timeout 1000',
            `cluster-announce-hostname ${announcedHost(port)}`,
            'cluster-preferred-endpoint-type hostname',
          ],
        }),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    /** cluster_state:ok on every live node, and every live replica linked to its master. */
    const settled = async (): Promise<boolean> => {
      for (const node of nodes) {
        if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
        const ok = await onLiveNode([node], async (c) => {
          const info = (await c.call('CLUSTER', 'INFO')) as string;
          const replication = await c.info('replication');
          return (
            info.includes('cluster_state:ok') && (replication.includes('role:master') || replication.includes('master_link_status:up'))
          );
        });
        if (!ok) return false;
      }
      return true;
    };
    await waitFor('the cluster to be ok on every node with every replica in sync', async () => ((await settled()) ? true : undefined));
    const natMap = Object.fromEntries(nodes.map((n) => [`${announcedHost(n.port)}:${n.port}`, { host: '127.0.0.1', port: n.port }]));
    const topology: ClusterTopology = {
      nodes,
      redisConfig: (keyPrefix) => ({
        cluster: [{ host: '127.0.0.1', port: nodes[0]!.port }],
        natMap,
        keyPrefix,
        // As generous as test/helpers/broker.ts: the suites share two busy cores. Failover itself fails fast
        // (refused connections, offline queue off); these deadlines only matter for a stalled command.
        commandTimeoutMs: 2000,
        connectTimeoutMs: 2000,
      }),
      async masterPortForKey(key) {
        const slot = await onLiveNode(nodes, (c) => c.call('CLUSTER', 'KEYSLOT', key) as Promise<number>);
        const owner = (await slotOwners(nodes)).find(([start, end]) => slot >= start && slot <= end);
        if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
        return owner[2];
      },
      node(port) {
        const found = nodes.find((n) => n.port === port);
        if (found === undefined) throw new Error(`no cluster node on port ${port}`);
        return found;
      },
      async plannedFailover(key) {
        const from = await topology.masterPortForKey(key);
        const replicaPort = await onLiveNode(nodes, async (c) => {
          const lines = ((await c.call('CLUSTER', 'NODES')) as string).trim().split('\n');
          // <id> <ip:port@bus,hostname> <flags> <master id> ...
          const parsed = lines
            .map((l) => l.split(' '))
            .map(([id, addr, flags, masterId]) => ({
              id,
              port: Number(/:(\d+)@/.exec(addr ?? '')?.[1]),
              flags: flags ?? '',
              masterId,
            }));
          const master = parsed.find((n) => n.port === from);
          return parsed.find((n) => n.flags.includes('slave') && n.masterId === master?.id)?.port;
        });
        if (replicaPort === undefined) throw new Error(`master ${from} has no replica`);
        await onLiveNode([topology.node(replicaPort)], (c) => c.call('CLUSTER', 'FAILOVER'));
        await waitFor('the replica to take over and the cluster to settle', async () =>
          (await topology.masterPortForKey(key)) === replicaPort && (await settled()) ? true : undefined,
        );
      },
      stop: () => group.stop(),
    };
    return topology;
  } catch (error) {
    await group.stop();
    throw error;
  }
}
