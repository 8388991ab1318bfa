/** Prometheus metrics for the broker. */
export type { Metrics } from './metrics.js';
