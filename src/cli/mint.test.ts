import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newApiKey, USAGE as KEY_USAGE } from './new-api-key.js';
import { newCredentialUrl, USAGE as URL_USAGE } from './new-credential-url.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('new-api-key', () => {
  it('mints a key whose printed hash is the hash of its printed secret', () => {
    const { code, stdout } = newApiKey(['pk_acme_2026']);
    expect(code).toBe(0);
    const header = /\n {2}(pk_acme_2026\.\S+)\n/.exec(stdout)![1]!;
    expect(stdout).toContain(`- id: pk_acme_2026\n    sha256: "${sha256(header.slice(header.indexOf('.') + 1))}"`);
    expect(newApiKey([]).stdout).toMatch(/- id: ak_/);
  });

  it('prints the usage for --help and -h, and mints nothing', () => {
    for (const flag of ['--help', '-h']) expect(newApiKey([flag])).toEqual({ code: 0, stdout: KEY_USAGE, stderr: '' });
  });

  it.each([
    [['--version'], "Unknown option '--version'"],
    [['--', '--help'], '"--help" starts with "-" and reads as an option'],
    [['--', '-abc'], '"-abc" starts with "-"'],
    [['a'], 'key id must be 4-64 of A-Z a-z 0-9 _ -'],
    [['pk acme'], 'key id must be 4-64'],
    [['pk_one', 'pk_two'], 'unexpected operand "pk_two"'],
  ])('refuses %j with a reason and the usage, minting nothing', (argv, reason) => {
    const result = newApiKey(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(reason);
    expect(result.stderr.endsWith(KEY_USAGE)).toBe(true);
  });
});

describe('new-credential-url', () => {
  it('mints a URL for a profile name the configuration accepts', () => {
    const { code, stdout } = newCredentialUrl(['partner-read', 'cu_acme_sync']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\/v1\/credentials\/partner-read\?format=alibaba&credential=cu_acme_sync\./);
    expect(stdout).toContain('    profile: partner-read\n');
  });

  it('prints the usage for --help, even with operands, and mints nothing', () => {
    expect(newCredentialUrl(['--help'])).toEqual({ code: 0, stdout: URL_USAGE, stderr: '' });
    expect(newCredentialUrl(['partner-read', '--help'])).toEqual({ code: 0, stdout: URL_USAGE, stderr: '' });
  });

  it.each([
    [[], 'missing operand'],
    [['Partner-Read'], 'profile "Partner-Read" must be 1-63 of a-z 0-9 . _ - and start with a letter or digit'],
    [['../admin'], 'profile "../admin" must be'],
    [['uploads?x=1'], 'profile "uploads?x=1" must be'],
    [['--', '--help'], '"--help" starts with "-"'],
    [['partner-read', 'x'], 'credentials URL id must be 4-64'],
    [['partner-read', 'cu_1234', 'extra'], 'unexpected operand "extra"'],
  ])('refuses %j with a reason and the usage, minting nothing', (argv, reason) => {
    const result = newCredentialUrl(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(reason);
    expect(result.stderr.endsWith(URL_USAGE)).toBe(true);
  });
});
