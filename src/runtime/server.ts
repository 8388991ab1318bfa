/**
 * The HTTP server's life: listen, and on SIGTERM/SIGINT drain within a deadline and exit.
 *
 * Draining (Kubernetes sends SIGTERM, waits terminationGracePeriodSeconds, then SIGKILL):
 *  1. readiness fails first (the caller flips /readyz before draining the server), so anything still probing or
 *     routing over an open connection stops sending work here;
 *  2. the listener closes, so new connections are refused, and idle keep-alive connections are closed;
 *  3. requests in flight may finish; each response tells its client `Connection: close`, and a connection whose
 *     request has finished is closed as soon as it is idle (Node otherwise keeps it for keepAliveTimeout);
 *  4. at the deadline (`server.drainTimeoutSeconds`) whatever is still open is cut: a stalled client (a body that
 *     never arrives, a response never read) cannot hold the process past the grace period.
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
import type { Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../shared/logger.js';
import { createAppServer } from './http-server.js';
import { UnfinishedResponses } from './unfinished-responses.js';

/** How often a draining server closes connections that became idle after their last response. */
const IDLE_SWEEP_MS = 50;

/** At most this long for the log's last lines to be written before the process exits. */
const FLUSH_BEFORE_EXIT_MS = 1000;

/** Used when a caller gives no deadline (local mode, tools): long enough for any sane request, never forever. */
const DEFAULT_DRAIN_DEADLINE_MS = 10_000;

export interface DrainResult {
  /** True when connections were still open at the deadline and were cut. */
  cutAtDeadline: boolean;
}

/** Responses not yet finished, per server started by listen(), so a drain can tell their clients to close. */
const inFlight = new WeakMap<Server, UnfinishedResponses>();

function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/**
 * Stops accepting connections, lets requests in flight finish, and cuts what is left at `deadlineMs`. Resolves once
 * every connection is closed.
 */
export function drainServer(server: Server, deadlineMs: number = DEFAULT_DRAIN_DEADLINE_MS): Promise<DrainResult> {
  // Requests in flight, and any that still arrive on an open connection, are served and told to close it after.
  for (const res of inFlight.get(server)?.list() ?? []) closeAfterResponse(res);
  server.prependListener('request', (_req, res) => closeAfterResponse(res));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  return Promise.race([closed.then(() => 'drained' as const), deadline]).then(async (outcome) => {
    clearTimeout(timer);
    if (outcome === 'deadline') {
      server.closeAllConnections();
      await closed;
    }
    clearInterval(sweep);
    return { cutAtDeadline: outcome === 'deadline' };
  });
}

/** Stops accepting connections and resolves once in-flight requests are done (cut after `deadlineMs`). */
export async function closeServer(server: Server, deadlineMs?: number): Promise<void> {
  await drainServer(server, deadlineMs);
}

export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createAppServer(app);
    server.listen(port, host);
    const responses = new UnfinishedResponses();
    inFlight.set(server, responses);
    server.on('request', (_req, res: ServerResponse) => responses.add(res));
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Runs `steps` in order on the first SIGTERM or SIGINT (a failing step is logged and the rest still run), then
 * exits with status 0. A second signal while stopping is ignored: the drain deadline already bounds the wait.
 */
export function onShutdown(logger: Logger, steps: Array<() => unknown>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'broker.stopping', signal }, 'shutting down');
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        logger.warn({ event: 'broker.stop_step_failed', err: error }, 'shutdown step failed');
      }
    }
    logger.info({ event: 'broker.stopped' }, 'stopped');
    // pino writes asynchronously; exiting at once could end the process with an earlier line's write still in
    // flight, so the last lines arrived late or out of order. Exit once every line is written, or after a second.
    setTimeout(() => process.exit(0), FLUSH_BEFORE_EXIT_MS);
    logger.flush(() => process.exit(0));
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
