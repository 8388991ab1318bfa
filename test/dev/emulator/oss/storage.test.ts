/**
 * `dataDir`: objects survive a restart and keys never become file paths.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startOssEmulator } from '../../../../dev/emulator/oss/index.js';
import { BUCKET, ossClient, startEnv } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'oss-emulator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataDir', () => {
  it('keeps objects across a restart', async () => {
    const env = await startEnv({ dataDir: dir });
    const creds = await env.token();
    try {
      await ossClient(env.oss, creds).put('users/alice/keep/me.txt', Buffer.from('kept'));
    } finally {
      await env.close();
    }
    const files = readdirSync(join(dir, BUCKET));
    expect(files.every((f) => /^[0-9a-f]{64}\.(bin|json)$/.test(f))).toBe(true);

    const again = await startOssEmulator({ sealKey: env.sealKey, buckets: [{ name: BUCKET }], dataDir: dir });
    try {
      expect(again.objects.list(BUCKET)).toEqual(['users/alice/keep/me.txt']);
      expect(again.objects.get(BUCKET, 'users/alice/keep/me.txt')?.body.toString()).toBe('kept');
    } finally {
      await again.close();
    }
  });

  it('refuses a bad seal key or bucket name at start', async () => {
    await expect(startOssEmulator({ sealKey: Buffer.alloc(5), buckets: [] })).rejects.toThrow(/sealKey/);
    await expect(startOssEmulator({ sealKey: Buffer.alloc(32), buckets: [{ name: 'Bad_Name' }] })).rejects.toThrow(/bucket name/);
  });
});
