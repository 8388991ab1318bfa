/**
 * Production start-up only: the configuration file named by BROKER_CONFIG, nothing else. Without it the process
 * stops with one line; it never falls back to local mode (that is `npm start`, from the development tree).
 */
import { loadConfigFile, ConfigError } from './config/index.js';
import { createApp } from './app.js';
import { buildRuntimeDeps } from './runtime/build-deps.js';
import { createLogger } from './shared/logger.js';
import { closeServer, listen, onShutdown } from './runtime/server.js';
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
  const config = loadConfigFile(path);
  const logger = createLogger(config.logLevel);
  // Before anything makes a call worth a span; off (and the SDK not even loaded) unless OTEL_* asks for it.
  const tracing = await startTracing({ env: process.env });
  if (tracing) logger.info({ event: 'tracing.enabled', exporters: tracing.exporters }, 'OpenTelemetry tracing on');
  const deps = await buildRuntimeDeps(config, logger);
  const { app } = createApp({ ...deps, config, logger });
  const server = await listen(app, config.server.port, config.server.host);
  logger.info({ event: 'broker.started', port: config.server.port, host: config.server.host }, 'oss-sts-broker listening');
  // Closed by process exit at the end of shutdown, so Prometheus can scrape until the last moment of a drain.
  await startConfiguredMetricsServer(config.server, deps.metrics.registry, logger);
  onShutdown(logger, [() => closeServer(server), () => deps.store.close(), async () => tracing?.shutdown()]);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`oss-sts-broker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
