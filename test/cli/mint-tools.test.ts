/** The minting tools as the documentation runs them (`npx tsx src/cli/…`): exit codes and streams of a real process. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const run = (tool: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join('src', 'cli', tool), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('the minting tools as processes', () => {
  it('new-api-key --help prints the usage and exits 0', () => {
    const { status, stdout, stderr } = run('new-api-key.ts', '--help');
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: new-api-key\.ts \[keyId\]/);
    expect(stdout).not.toContain('X-Api-Key');
  });

  it('new-credential-url refuses an invalid profile name on stderr and exits 2', () => {
    const { status, stdout, stderr } = run('new-credential-url.ts', 'Not A Profile');
    expect({ status, stdout }).toEqual({ status: 2, stdout: '' });
    expect(stderr).toMatch(/^profile "Not A Profile" must be 1-63 of a-z 0-9/);
  });

  it('new-api-key still mints with a valid id', () => {
    const { status, stdout } = run('new-api-key.ts', 'pk_acme_2026');
    expect(status).toBe(0);
    expect(stdout).toContain('- id: pk_acme_2026');
  });
});
