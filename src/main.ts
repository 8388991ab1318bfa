/**
 * Start-up only. With BROKER_CONFIG: production mode from that file. Without it: local mode, the whole stack on
 * loopback with emulators (see src/local/).
 */
import { loadConfigFile, ConfigError } from './config/index.js';
import { createApp } from './app.js';
import { buildRuntimeDeps } from './runtime/build-deps.js';
import { createLogger } from './shared/logger.js';
import { startLocalMode } from './local/start-local.js';
import { closeServer, listen, onShutdown } from './runtime/server.js';

async function startProduction(path: string): Promise<void> {
  const config = loadConfigFile(path);
  const logger = createLogger(config.logLevel);
  const deps = await buildRuntimeDeps(config, logger);
  const { app } = createApp({ ...deps, config, logger });
  const server = await listen(app, config.server.port, config.server.host);
  logger.info({ event: 'broker.started', port: config.server.port, host: config.server.host }, 'oss-sts-broker listening');
  onShutdown(logger, [() => closeServer(server), () => deps.store.close()]);
}

async function main(): Promise<void> {
  const path = process.env.BROKER_CONFIG;
  if (path !== undefined && path !== '') await startProduction(path);
  else await startLocalMode();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`oss-sts-broker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
