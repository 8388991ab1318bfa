import { describe, expect, it } from 'vitest';
import { bearerFrom, requestFor } from './admin.js';

describe('the admin CLI', () => {
  it('turns each command into its admin API request', () => {
    expect(requestFor(['revoke', '--tenant', 'acme', '--sub', 'alice', '--reason', 'laptop stolen'])).toEqual({
      method: 'POST',
      path: '/admin/v1/revocations',
      body: { principal: { tenant: 'acme', sub: 'alice' }, reason: 'laptop stolen' },
    });
    expect(requestFor(['revoke', '--api-key-id', 'pk_1234', '--reason', 'leak', '--until', '2030-01-01T00:00:00Z'])).toEqual({
      method: 'POST',
      path: '/admin/v1/revocations',
      body: { principal: { apiKeyId: 'pk_1234' }, reason: 'leak', until: '2030-01-01T00:00:00Z' },
    });
    expect(requestFor(['list'])).toEqual({ method: 'GET', path: '/admin/v1/revocations' });
    expect(requestFor(['lift', 'rv_abc'])).toEqual({ method: 'DELETE', path: '/admin/v1/revocations/rv_abc' });
    expect(requestFor(['tokens', '--credential-url-id', 'cu_1234'])).toEqual({
      method: 'GET',
      path: '/admin/v1/principals/tokens?credentialUrlId=cu_1234',
    });
    expect(requestFor(['tokens', '--tenant', 'a&b', '--sub', 'x y'])).toEqual({
      method: 'GET',
      path: '/admin/v1/principals/tokens?tenant=a%26b&sub=x+y',
    });
  });

  it('refuses a command line that does not name exactly one principal or lacks a reason', () => {
    expect(() => requestFor(['revoke', '--tenant', 'acme', '--reason', 'x'])).toThrow(/both --tenant and --sub/);
    expect(() => requestFor(['revoke', '--tenant', 'acme', '--sub', 'a', '--api-key-id', 'pk_1234', '--reason', 'x'])).toThrow(
      /one principal/,
    );
    expect(() => requestFor(['revoke', '--api-key-id', 'pk_1234'])).toThrow(/--reason/);
    expect(() => requestFor(['lift'])).toThrow(/revocation id/);
    expect(() => requestFor(['nuke'])).toThrow(/unknown command/);
    expect(() => requestFor(['list', '--bogus'])).toThrow();
  });

  it('sends the admin key or an admin ID token, exactly one of them', () => {
    expect(bearerFrom({ BROKER_ADMIN_KEY: 'k' })).toBe('k');
    expect(bearerFrom({ BROKER_ADMIN_TOKEN: 't', BROKER_ADMIN_KEY: '' })).toBe('t');
    expect(() => bearerFrom({})).toThrow(/set BROKER_ADMIN_KEY .* or BROKER_ADMIN_TOKEN/);
    expect(() => bearerFrom({ BROKER_ADMIN_KEY: 'k', BROKER_ADMIN_TOKEN: 't' })).toThrow(/not both/);
  });
});
