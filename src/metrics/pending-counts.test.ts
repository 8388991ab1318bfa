import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('counts kept beside prom-client', () => {
  it('reach the counter when it is collected, added to what was counted there directly', async () => {
    const metrics = createMetrics();
    metrics.credentialAnswers.inc('uploads', 'cached');
    metrics.credentialAnswers.inc('uploads', 'cached');
    metrics.credentialAnswers.inc('uploads', 'issued');
    metrics.credentialRequests.inc({ profile: 'uploads', outcome: 'cached' });
    metrics.tokenCacheResults.inc('hit');
    const text = await metrics.registry.metrics();
    expect(text).toContain('osb_credential_requests_total{profile="uploads",outcome="cached"} 3');
    expect(text).toContain('osb_credential_requests_total{profile="uploads",outcome="issued"} 1');
    expect(text).toContain('osb_token_cache_total{result="hit"} 1');

    // Each count is handed over once: a second collection adds only what came since.
    metrics.credentialAnswers.inc('uploads', 'issued');
    const again = await metrics.registry.metrics();
    expect(again).toContain('osb_credential_requests_total{profile="uploads",outcome="cached"} 3');
    expect(again).toContain('osb_credential_requests_total{profile="uploads",outcome="issued"} 2');
    expect(again).toContain('osb_token_cache_total{result="hit"} 1');
  });

  it('keep label sets apart', async () => {
    const metrics = createMetrics();
    metrics.credentialAnswers.inc('a', 'cached');
    metrics.credentialAnswers.inc('b', 'cached');
    metrics.tokenCacheResults.inc('miss');
    const series = (await metrics.credentialRequests.get()).values.map((v) => [v.labels, v.value]);
    expect(series).toEqual([
      [{ profile: 'a', outcome: 'cached' }, 1],
      [{ profile: 'b', outcome: 'cached' }, 1],
    ]);
    expect((await metrics.tokenCache.get()).values.map((v) => [v.labels, v.value])).toEqual([[{ result: 'miss' }, 1]]);
  });
});
