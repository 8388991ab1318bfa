/**
 * Configuration, the bottom layer: the schema, reading YAML + environment, the checks that need only the
 * configuration, and the error that stops start-up. Entry points load through runtime/load-config.ts, which adds
 * the profile checks (profiles/check-profiles.ts).
 */
export { configSchema, IDENT, IDENT_RULE, OPERATIONS, STS_MIN_DURATION, STS_MAX_DURATION } from './schema.js';
export type {
  BrokerConfig,
  BrokerConfigInput,
  ProfileConfig,
  ClientConfig,
  OidcClientConfig,
  ApiKeyClientConfig,
  Operation,
} from './schema.js';
export { readConfigFile, validateConfig, type ConfigChecks, type DevelopmentRelaxations } from './load.js';
export { redisTopology, type RedisTopology } from './redis-topology.js';
export { ConfigError } from './config-error.js';
