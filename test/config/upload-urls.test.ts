/**
 * Plain-http upload URLs (config/upload-urls.ts): with NODE_ENV=production the loader refuses an http OSS endpoint and
 * an http callback URL, naming the profile and the field, loopback included; outside production local mode's http
 * emulator still loads.
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, randomKey, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const PRODUCTION = { NODE_ENV: 'production' };
const DEVELOPMENT = { NODE_ENV: 'development' };
const HTTPS_IN_PRODUCTION = 'must be https with NODE_ENV=production (plain http is for local development only)';

function withUploadUrls(endpoint: string, callbackUrl: string) {
  return minimalConfig({
    profile: { endpoint, paths: ['form'], postPolicy: { callback: { url: callbackUrl } } },
    uploads: { grantKey: randomKey() },
  });
}

describe('upload URLs', () => {
  it('refuses an http endpoint and an http callback URL in production, naming the profile and both fields', () => {
    for (const host of ['oss-cn-hangzhou.aliyuncs.com', '10.0.0.5:9200', '127.0.0.1:9200', 'localhost:9200']) {
      const config = withUploadUrls(`http://${host}`, `http://${host}/v1/oss-callback`);
      expect(
        problemsOf(() => parseConfig(config, {}, PRODUCTION)),
        host,
      ).toEqual([`profiles.uploads.endpoint: ${HTTPS_IN_PRODUCTION}`, `profiles.uploads.postPolicy.callback.url: ${HTTPS_IN_PRODUCTION}`]);
    }
  });

  it('refuses each field on its own', () => {
    const endpointOnly = withUploadUrls('HTTP://oss-cn-hangzhou.aliyuncs.com', 'https://broker.example.com/v1/oss-callback');
    expect(problemsOf(() => parseConfig(endpointOnly, {}, PRODUCTION))).toEqual([`profiles.uploads.endpoint: ${HTTPS_IN_PRODUCTION}`]);
    const callbackOnly = withUploadUrls('https://oss-cn-hangzhou.aliyuncs.com', 'http://broker.example.com/v1/oss-callback');
    expect(problemsOf(() => parseConfig(callbackOnly, {}, PRODUCTION))).toEqual([
      `profiles.uploads.postPolicy.callback.url: ${HTTPS_IN_PRODUCTION}`,
    ]);
  });

  it('accepts https in production, and the default endpoint (https://oss-<region>.aliyuncs.com)', () => {
    const config = withUploadUrls('https://oss-cn-hangzhou.aliyuncs.com', 'https://broker.example.com/v1/oss-callback');
    expect(parseConfig(config, {}, PRODUCTION).profiles.uploads?.endpoint).toBe('https://oss-cn-hangzhou.aliyuncs.com');
    expect(() => parseConfig(minimalConfig(), {}, PRODUCTION)).not.toThrow();
  });

  it('accepts plain http outside production: local mode’s OSS emulator speaks only http', () => {
    const config = withUploadUrls('http://localhost:9200', 'http://127.0.0.1:8080/v1/oss-callback');
    expect(parseConfig(config, {}, DEVELOPMENT).profiles.uploads?.postPolicy?.callback?.url).toBe('http://127.0.0.1:8080/v1/oss-callback');
  });

  it('applies to a configuration file by the environment it is loaded with', () => {
    const file = writeTempFile(withUploadUrls('http://localhost:9200', 'https://broker.example.com/v1/oss-callback'));
    expect(() => loadConfigFile(file, DEVELOPMENT)).not.toThrow();
    expect(problemsOf(() => loadConfigFile(file, PRODUCTION))).toEqual([`profiles.uploads.endpoint: ${HTTPS_IN_PRODUCTION}`]);
  });
});
