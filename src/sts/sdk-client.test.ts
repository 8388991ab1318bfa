import { describe, expect, it } from 'vitest';
import { createSdkClient, sdkRuntimeOptions, type StsConfig } from './index.js';

const base: StsConfig = {
  timeoutMs: 1234,
  maxAttempts: 3,
  policyMaxChars: 2048,
  maxCallsPerSecond: 20,
  accountCallsPerSecond: 100,
  breaker: { failureThreshold: 5, openSeconds: 10 },
};

/** Reads the SDK client's resolved settings (openapi-core keeps them on underscored fields). */
function settings(config: StsConfig, trustedCa?: string): Record<string, unknown> {
  const c = createSdkClient(config, trustedCa === undefined ? {} : { trustedCa }) as unknown as Record<string, unknown>;
  return {
    endpoint: c._endpoint,
    protocol: c._protocol,
    ca: c._ca,
    readTimeout: c._readTimeout,
    connectTimeout: c._connectTimeout,
    retry: c._retryOptions,
  };
}

describe('createSdkClient', () => {
  it('with a region only, the SDK resolves sts.<region>.aliyuncs.com (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-endpoint)', () => {
    expect(settings({ ...base, region: 'cn-hangzhou' })).toEqual({
      endpoint: 'sts.cn-hangzhou.aliyuncs.com',
      protocol: 'https',
      ca: undefined, // the system's roots (plus NODE_EXTRA_CA_CERTS)
      readTimeout: 1234,
      connectTimeout: 1234,
      retry: undefined, // no SDK-side retries: ours only
    });
  });

  it('an explicit endpoint (the VPC endpoint) wins over the region', () => {
    expect(settings({ ...base, region: 'cn-hangzhou', endpoint: 'sts-vpc.cn-hangzhou.aliyuncs.com' }).endpoint).toBe(
      'sts-vpc.cn-hangzhou.aliyuncs.com',
    );
  });

  it('keeps host:port for a local endpoint, still over HTTPS, trusting only the CA given in code', () => {
    expect(settings({ ...base, endpoint: '127.0.0.1:9100' }, 'PEM')).toMatchObject({
      endpoint: '127.0.0.1:9100',
      protocol: 'https',
      ca: 'PEM',
    });
  });

  it('runtime options carry our timeouts and no retry, and never switch certificate checks off', () => {
    const runtime = sdkRuntimeOptions(base) as Record<string, unknown>;
    expect(runtime).toMatchObject({ readTimeout: 1234, connectTimeout: 1234, autoretry: false });
    expect(runtime).not.toHaveProperty('ignoreSSL');
  });
});
