/** Configuration: the schema, loading from YAML + environment, and the error that stops start-up. */
export { loadConfigFile, parseConfig } from './load.js';
export { ConfigError } from './config-error.js';
