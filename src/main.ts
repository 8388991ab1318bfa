/**
 * Production start-up only: the configuration file named by BROKER_CONFIG, nothing else. Without it the process
 * stops with one line; it never falls back to local mode (that is `npm start`, from the development tree).
 */
import type { AddressInfo } from 'node:net';
import { ConfigError } from './config/index.js';
import { loadConfigWithSecrets } from './runtime/load-config.js';
import { createApp } from './app.js';
import { buildRuntimeDeps } from './runtime/build-deps.js';
import { createLogger } from './shared/logger.js';
import { drainServer, listen, onShutdown } from './runtime/server.js';
import { startConfiguredMetricsServer } from './runtime/metrics-server.js';
import { startTracing } from './tracing/index.js';

async function main(): Promise<void> {
  const path = process.env.BROKER_CONFIG;
  if (path === undefined || path === '') {
    process.stderr.write(
      'oss-sts-broker: BROKER_CONFIG is not set; point it at the configuration file (local mode is `npm start` from a checkout)\n',
    );
    process.exit(1);
  }
  // Secrets named by BROKER_<NAME>_KMS_SECRET are read here; one that cannot be read stops start-up.
  const { config, secrets, configWith } = await loadConfigWithSecrets(path);
  const logger = createLogger(config.logLevel);
  // Before anything makes a call worth a span; off (and the SDK not even loaded) unless OTEL_* asks for it.
  const tracing = await startTracing({ env: process.env });
  if (tracing) logger.info({ event: 'tracing.enabled', exporters: tracing.exporters }, 'OpenTelemetry tracing on');
  // Does not wait for Redis: with Redis down the broker starts, /readyz says 503, and it connects in the background.
  const deps = await buildRuntimeDeps(config, logger, secrets === undefined ? {} : { secrets, configWith });
  // SIGHUP reads the KMS secrets now, e.g. right after a rotation, instead of at the next interval.
  if (secrets !== undefined) process.on('SIGHUP', () => void secrets.refresh());
  const broker = createApp({ ...deps, config, logger });
  const server = await listen(broker.app, config.server.port, config.server.host);
  const { port } = server.address() as AddressInfo;
  logger.info({ event: 'broker.started', port, host: config.server.host }, 'oss-sts-broker listening');
  // Closed by process exit at the end of shutdown, so Prometheus can scrape until the last moment of a drain.
  await startConfiguredMetricsServer(config.server, deps.metrics.registry, logger);
  // The admin API on its own port only (server.adminPort), so the public Service never carries it.
  const adminServer = broker.admin === undefined ? undefined : await listen(broker.admin, config.server.adminPort ?? 0, config.server.host);
  if (adminServer !== undefined) {
    const { port: adminPort } = adminServer.address() as AddressInfo;
    logger.info({ event: 'admin.listening', port: adminPort, host: config.server.host }, 'admin API served on its own port');
  }

  const drainMs = config.server.drainTimeoutSeconds * 1000;
  onShutdown(logger, [
    () => broker.startDraining(),
    async () => {
      const drained = drainServer(server, drainMs); // the listener is closed when this returns
      logger.info({ event: 'broker.draining', deadlineSeconds: config.server.drainTimeoutSeconds }, 'not ready, not accepting; draining');
      const { cutAtDeadline } = await drained;
      if (cutAtDeadline) {
        logger.warn({ event: 'broker.drain_deadline', deadlineSeconds: config.server.drainTimeoutSeconds }, 'cut connections still open');
      }
    },
    async () => {
      adminServer?.closeAllConnections();
      await new Promise<void>((done) => (adminServer === undefined ? done() : adminServer.close(() => done())));
      await broker.revocations.close();
    },
    () => deps.cloudIdentity.stop(),
    () => deps.store.close(),
    () => secrets?.close(),
    async () => tracing?.shutdown(),
  ]);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`oss-sts-broker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
