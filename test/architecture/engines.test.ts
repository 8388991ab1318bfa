/**
 * `engines` and the locked dependency tree agree: `npm ci --engine-strict` accepts the lock file on the running Node
 * (CI runs the suite on Node 20 and on Node 24, the two lines `engines` claims). A dependency that needs a newer Node
 * than `engines` allows would otherwise show up only as EBADENGINE warnings during install. The check is npm's own,
 * run as a dry run on a copy of package.json and package-lock.json: nothing is downloaded or installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `npm ci --engine-strict --dry-run` over the given lock file; its status and the EBADENGINE lines it printed. */
function strictInstall(lock: string): { status: number | null; refusals: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'osb-engines-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(root, 'package.json')));
  writeFileSync(path.join(dir, 'package-lock.json'), lock);
  const run = spawnSync('npm', ['ci', '--engine-strict', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const refusals = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => /EBADENGINE|Not compatible|Required:/.test(l));
  return { status: run.status, refusals };
}

describe('engines', () => {
  const lockText = readFileSync(path.join(root, 'package-lock.json'), 'utf8');

  it(`every locked dependency supports the running Node (${process.version})`, () => {
    const { status, refusals } = strictInstall(lockText);
    expect(refusals).toEqual([]);
    expect(status).toBe(0);
  }, 150_000);

  it('the check fails for a locked dependency that needs a newer Node', () => {
    const lock = JSON.parse(lockText) as { packages: Record<string, { engines?: unknown }> };
    lock.packages['node_modules/zod']!.engines = { node: '>=99' };
    const { status, refusals } = strictInstall(JSON.stringify(lock));
    expect(status).not.toBe(0);
    expect(refusals.join('\n')).toContain('zod');
  }, 150_000);
});
