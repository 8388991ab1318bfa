/**
 * No tracked file is ignored by .gitignore: a pattern that matches tracked files (say `deploy/*.yaml` meant for a
 * local secret) hides later edits to them from `git status` and `git add .`, so the shipped examples drift.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const isCheckout = existsSync(path.join(root, '.git'));
if (!isCheckout) console.warn('repository.test: SKIPPED: not a git checkout, so there is no tracked file to check');

describe.skipIf(!isCheckout)('the repository', () => {
  it('tracks no file that .gitignore ignores (git ls-files -ci --exclude-standard)', () => {
    const ignored = execFileSync('git', ['ls-files', '--cached', '--ignored', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
    expect(ignored.split('\n').filter((line) => line !== '')).toEqual([]);
  });
});
