import { describe, expect, it } from 'vitest';
import { logSafeUrl } from './log-safe-url.js';

describe('logSafeUrl', () => {
  it.each([
    ['/v1/credentials', '/v1/credentials'],
    ['/v1/credentials/uploads?format=alibaba', '/v1/credentials/uploads?format=alibaba'],
    ['/v1/credentials/uploads?format=alibaba&credential=cu_1.s3cr3t', '/v1/credentials/uploads?format=alibaba&credential=[redacted]'],
    ['/x?Credential=s3cr3t', '/x?Credential=[redacted]'],
    ['/x?cred%65ntial=s3cr3t', '/x?credential=[redacted]'],
    ['/x?format=s3cr3t', '/x?format=[redacted]'],
    ['/x?access_token=s3cr3t&a=1&a=2', '/x?access_token=[redacted]&a=[redacted]&a=[redacted]'],
    ['/x?', '/x'],
  ])('%s -> %s', (url, logged) => {
    expect(logSafeUrl(url)).toBe(logged);
    expect(logSafeUrl(url)).not.toContain('s3cr3t');
  });
});
