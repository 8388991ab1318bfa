import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../shared/logger.js';

/** Stops accepting connections, closes idle keep-alive sockets, and resolves once in-flight requests are done. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops accepting connections, then closes what was opened, on SIGTERM/SIGINT (Kubernetes rolling updates). */
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
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
