/** Prometheus metrics for the broker. */
export { createMetrics, type Metrics } from './metrics.js';
