/**
 * Production start-up only: the configuration file named by BROKER_CONFIG, nothing else. Without it the process
 * stops with one line; it never falls back to local mode (that is `npm start`, from the development tree).
 */
import type { AddressInfo } from 'node:net';
import { loadConfigFile, ConfigError } from './config/index.js';
import { createApp } from './app.js';
import { buildRuntimeDeps } from './runtime/build-deps.js';
import { createLogger } from './shared/logger.js';
import { closeServer, listen, onShutdown } from './runtime/server.js';

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
  const deps = await buildRuntimeDeps(config, logger);
  const { app } = createApp({ ...deps, config, logger });
  const server = await listen(app, config.server.port, config.server.host);
  // The bound port, not the configured one: `port: 0` (tests) asks the system for a free port.
  const port = (server.address() as AddressInfo | null)?.port ?? config.server.port;
  logger.info({ event: 'broker.started', port, host: config.server.host }, 'oss-sts-broker listening');
  onShutdown(logger, [() => closeServer(server), () => deps.store.close()]);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`oss-sts-broker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
