/** `npm start`: local mode, the whole stack on loopback with emulators. Development only; never built or shipped. */
import { ConfigError } from '../../src/config/index.js';
import { LocalPortError } from './port-in-use.js';
import { startLocalMode } from './start-local.js';

startLocalMode().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof LocalPortError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`local mode failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
