import { describe, expect, it } from 'vitest';
import { createMemoryRevocationBackend } from './memory-backend.js';
import type { HandedOutToken } from './types.js';

const token = (accessKeyId: string, expiresAt: number): HandedOutToken => ({
  accessKeyId,
  expiration: new Date(expiresAt).toISOString(),
  profile: 'documents',
  prefix: 'documents/acme/alice/',
});

describe('memory revocation backend: hand-out records', () => {
  const alice = JSON.stringify(['user', 'acme', 'alice']);
  const bob = JSON.stringify(['user', 'acme', 'bob']);

  it('lists each AccessKeyId once (the last recorded), unexpired ones only, soonest expiry first', async () => {
    const backend = createMemoryRevocationBackend();
    await backend.recordHandOut(alice, token('AK1', 3000), 'key-a', 3000, 0);
    await backend.recordHandOut(alice, token('AK2', 2000), 'key-b', 2000, 0);
    await backend.recordHandOut(alice, token('AK1', 3000), 'key-a', 3000, 100);
    await backend.recordHandOut(bob, token('AK3', 5000), 'key-c', 5000, 100);
    expect((await backend.tokens(alice, 100)).map((t) => t.accessKeyId)).toEqual(['AK2', 'AK1']);
    expect((await backend.tokens(alice, 2000)).map((t) => t.accessKeyId)).toEqual(['AK1']);
    expect(await backend.tokens(alice, 3000)).toEqual([]);
    expect((await backend.tokens(bob, 100)).map((t) => t.accessKeyId)).toEqual(['AK3']);
    expect(await backend.tokens(JSON.stringify(['user', 'acme', 'carol']), 100)).toEqual([]);
  });

  it('keeps a cache key until the latest expiry recorded for it, and forgets expired records on the next write', async () => {
    const backend = createMemoryRevocationBackend();
    await backend.recordHandOut(alice, token('AK1', 4000), 'key-a', 4000, 0);
    await backend.recordHandOut(alice, token('AK2', 2000), 'key-a', 2000, 0);
    await backend.recordHandOut(alice, token('AK3', 1000), 'key-b', 1000, 0);
    expect((await backend.cacheKeys(alice, 500)).sort()).toEqual(['key-a', 'key-b']);
    expect(await backend.cacheKeys(alice, 3000)).toEqual(['key-a']);
    await backend.recordHandOut(alice, token('AK4', 9000), 'key-c', 9000, 5000);
    expect(await backend.cacheKeys(alice, 5000)).toEqual(['key-c']);
    expect((await backend.tokens(alice, 0)).map((t) => t.accessKeyId)).toEqual(['AK4']);
  });
});
