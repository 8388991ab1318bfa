import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { parseAssumeRoleBody, parseExpiration } from './index.js';

const good = {
  requestId: 'r',
  credentials: { accessKeyId: 'STS.id', accessKeySecret: 'SECRET-VALUE', securityToken: 'TOKEN-VALUE', expiration: '2030-01-02T03:04:05Z' },
};

describe('parseAssumeRoleBody', () => {
  it('parses the A2 answer', () => {
    expect(parseAssumeRoleBody(good)).toEqual({
      accessKeyId: 'STS.id',
      accessKeySecret: 'SECRET-VALUE',
      securityToken: 'TOKEN-VALUE',
      expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5),
    });
  });

  it.each([
    ['no body', undefined],
    ['no credentials', { requestId: 'r' }],
    ['empty secret', { credentials: { ...good.credentials, accessKeySecret: '' } }],
    ['missing token', { credentials: { ...good.credentials, securityToken: undefined } }],
    ['missing id', { credentials: { ...good.credentials, accessKeyId: undefined } }],
    ['missing expiration', { credentials: { ...good.credentials, expiration: undefined } }],
    ['bad expiration', { credentials: { ...good.credentials, expiration: 'tomorrow' } }],
  ])('%s -> upstream_unavailable "malformed STS response"', (_name, body) => {
    const err = (() => {
      try {
        parseAssumeRoleBody(body as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ code: 'upstream_unavailable', status: 503, detail: 'malformed STS response' });
    const text = `${(err as BrokerError).message} ${String((err as BrokerError).cause)}`;
    expect(text).not.toContain('SECRET-VALUE');
    expect(text).not.toContain('TOKEN-VALUE');
  });
});

describe('parseExpiration', () => {
  it.each([
    ['2015-04-09T11:52:19Z', Date.UTC(2015, 3, 9, 11, 52, 19)],
    ['2015-04-09T11:52:19.123Z', Date.UTC(2015, 3, 9, 11, 52, 19, 123)],
  ])('accepts %s', (text, ms) => expect(parseExpiration(text)).toBe(ms));

  it.each([
    '2015-04-09 11:52:19Z',
    '2015-04-09T11:52:19',
    '2015-04-09T11:52:19+08:00',
    '2015-02-30T00:00:00Z',
    '',
    '2015-04-09T11:52:19.1Z',
  ])('refuses %j', (text) => expect(parseExpiration(text)).toBeUndefined());
});
