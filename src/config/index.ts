/** Configuration: the schema, loading from YAML + environment, and the error that stops start-up. */
export { configSchema, OPERATIONS, STS_MIN_DURATION, STS_MAX_DURATION } from './schema.js';
export type {
  BrokerConfig,
  BrokerConfigInput,
  ProfileConfig,
  ClientConfig,
  OidcClientConfig,
  ApiKeyClientConfig,
  Operation,
} from './schema.js';
export { loadConfigFile, parseConfig, type DevelopmentRelaxations } from './load.js';
export { redisTopology, type RedisTopology } from './redis-topology.js';
export { ConfigError } from './config-error.js';
