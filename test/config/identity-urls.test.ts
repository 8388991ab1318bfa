/**
 * Plain-http identity endpoints (config/identity-urls.ts): refused by the loader with the field named, always for a
 * host other than loopback, and for loopback too under NODE_ENV=production; local mode's loopback issuer still loads.
 */
import { describe, expect, it } from 'vitest';
import { minimalConfig, writeTempFile } from '../../dev/testing/config.js';
import { loadConfigFile, parseConfig } from '../../src/runtime/load-config.js';
import { problemsOf } from '../helpers/config-problems.js';

const PRODUCTION = { NODE_ENV: 'production' };
const DEVELOPMENT = { NODE_ENV: 'development' };

function withIdentity(issuer: string, jwksUri: string) {
  return minimalConfig({ clients: [{ id: 'web', type: 'oidc', issuer, audience: 'b', jwksUri, tenant: 'acme' }] });
}

describe('identity URLs', () => {
  it('refuses an http issuer and JWKS URL on a network host in production, naming both fields', () => {
    const config = withIdentity('http://login.example.com/', 'http://login.example.com/jwks.json');
    expect(problemsOf(() => parseConfig(config, {}, PRODUCTION))).toEqual([
      'clients[0].issuer: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)',
      'clients[0].jwksUri: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)',
    ]);
  });

  it('refuses http to a network host outside production too: only loopback is off the network path', () => {
    const config = withIdentity('https://login.example.com/', 'http://10.0.0.5/jwks.json');
    expect(problemsOf(() => parseConfig(config, {}, DEVELOPMENT))).toEqual([
      'clients[0].jwksUri: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)',
    ]);
  });

  it('accepts local mode’s loopback http issuer outside production, and refuses it in production', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', '127.1.2.3']) {
      const config = withIdentity(`http://${host}/dev`, `http://${host}/dev/.well-known/jwks.json`);
      expect(() => parseConfig(config, {}, DEVELOPMENT), host).not.toThrow();
      expect(
        problemsOf(() => parseConfig(config, {}, PRODUCTION)),
        host,
      ).toEqual([
        'clients[0].issuer: must be https with NODE_ENV=production (plain http is for local development only)',
        'clients[0].jwksUri: must be https with NODE_ENV=production (plain http is for local development only)',
      ]);
    }
  });

  it('does not take a look-alike for loopback', () => {
    for (const host of ['127.0.0.1.nip.io', 'localhost.example.com', '127.0.0.1@evil.example', '128.0.0.1']) {
      const config = withIdentity('https://login.example.com/', `http://${host}/jwks.json`);
      expect(
        problemsOf(() => parseConfig(config, {}, DEVELOPMENT)),
        host,
      ).toEqual(['clients[0].jwksUri: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)']);
    }
  });

  it('accepts https everywhere, and an issuer that is not a URL (compared as text, never fetched)', () => {
    expect(() => parseConfig(withIdentity('https://login.example.com/', 'https://login.example.com/jwks'), {}, PRODUCTION)).not.toThrow();
    expect(() => parseConfig(withIdentity('kubernetes/serviceaccount', 'https://login.example.com/jwks'), {}, PRODUCTION)).not.toThrow();
  });

  it('keeps OSS’s own http key URL (fetched over https), and refuses a loopback key URL in production', () => {
    expect(parseConfig(minimalConfig(), {}, PRODUCTION).uploads.callbackPublicKeyUrls).toContain(
      'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
    );
    const local = minimalConfig({ uploads: { callbackPublicKeyUrls: ['http://127.0.0.1:9200/callback_pub_key_v1.pem'] } });
    expect(() => parseConfig(local, {}, DEVELOPMENT)).not.toThrow();
    expect(problemsOf(() => parseConfig(local, {}, PRODUCTION))).toEqual([
      'uploads.callbackPublicKeyUrls[0]: a loopback http key URL is fetched without TLS; refused with NODE_ENV=production',
    ]);
  });

  it('applies to a configuration file by the environment it is loaded with', () => {
    const file = writeTempFile(withIdentity('http://127.0.0.1:8080/dev', 'http://127.0.0.1:8080/dev/.well-known/jwks.json'));
    expect(() => loadConfigFile(file, DEVELOPMENT)).not.toThrow();
    expect(problemsOf(() => loadConfigFile(file, PRODUCTION))).toHaveLength(2);
  });
});
