/**
 * The Prometheus scrape endpoint on its own port (`server.metricsPort`), so the public Service and load balancer
 * never carry /metrics: only this listener answers it, and the main app answers 404 (http/routes.ts).
 * Plain node:http rather than a second Express app: it serves one path and nothing else.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger.js';

export interface MetricsServer {
  server: Server;
  /** The port it listens on (the real one when started on port 0). */
  port: number;
  close(): Promise<void>;
}

function handler(registry: Registry, logger: Pick<Logger, 'warn'>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.warn({ event: 'metrics.collect_failed', err: error }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  };
}

/** Starts the metrics listener; rejects (start-up stops) when the port cannot be bound. */
export function startMetricsServer(registry: Registry, port: number, host: string, logger: Logger): Promise<MetricsServer> {
  const server = createServer(handler(registry, logger));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      logger.info({ event: 'metrics.listening', port: actual, host }, 'metrics served on their own port');
      resolve({
        server,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** main.ts: the metrics listener when `server.metricsPort` is set; otherwise /metrics stays on the main port. */
export async function startConfiguredMetricsServer(
  server: { metricsPort?: number | undefined; host: string },
  registry: Registry,
  logger: Logger,
): Promise<MetricsServer | undefined> {
  if (server.metricsPort === undefined) return undefined;
  return startMetricsServer(registry, server.metricsPort, server.host, logger);
}
