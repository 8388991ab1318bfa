import type { StsClient } from './types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../shared/clock.js';
import { BrokerError } from '../errors.js';

/** Counts AssumeRole calls and their outcome codes; latency per logical call (retries included). */
export function instrumentSts(sts: StsClient, metrics: Metrics, clock: Clock): StsClient {
  return {
    async assumeRole(input) {
      const started = clock.now();
      let code = 'ok';
      try {
        return await sts.assumeRole(input);
      } catch (error) {
        code = error instanceof BrokerError ? String(error.extensions.stsCode ?? error.code) : 'unknown';
        throw error;
      } finally {
        metrics.stsCalls.inc({ code });
        metrics.stsLatency.observe({ code }, (clock.now() - started) / 1000);
      }
    },
  };
}
