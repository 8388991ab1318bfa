/**
 * A resumable multipart upload that outlives three tokens, end to end on one controlled clock (as
 * token-lifetime.test.ts: `vi.setSystemTime` moves the broker, both emulators, the STS SDK's signing and ali-oss's
 * refresh timer together). The client is the one docs/clients.md shows (test/clients/snippets/ali-oss-uploader.mjs),
 * refreshing on the timer the lifetime promise gives it. ali-oss's `multipartUpload` sends one 100 KiB part at a
 * time (OSS's minimum part size; the emulator refuses smaller non-last parts at Complete), the clock moves 50 s per
 * part (a slow link), and the upload is paused three times for longer than a token has left (`cancel()`, then
 * `multipartUpload` again with the checkpoint). At each pause ListParts shows every part sent so far.
 *
 * Both scopes: a prefix profile, and an exact-key profile (`scope: keys`, `keyNaming: original`) whose every refresh
 * names the same file and so gets a token for the same key. The OSS emulator refuses an expired token
 * (SecurityTokenExpired), so a client that does not refresh fails: the last case shows it.
 *
 * `MULTIPART_NUMBERS=1 npx vitest run test/e2e/multipart-across-tokens.test.ts` prints the numbers.
 */
import { randomBytes } from 'node:crypto';
import { Agent, type Server } from 'node:http';
import type OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUCKET, ossFailure, startStack, storedObject, type Stack } from './stack.js';

interface Uploader {
  client: OSS;
  prefix: string;
  keys?: string[];
}
type CreateUploader = (options: {
  broker: string;
  profile: string;
  files?: Array<{ name: string; size: number; contentType: string }>;
  authHeaders: () => Promise<Record<string, string>>;
  ossOptions?: Record<string, unknown>;
}) => Promise<Uploader>;

interface Checkpoint {
  uploadId: string;
  doneParts: Array<{ number: number; etag: string }>;
}

/** The part of ali-oss's client this test drives beyond its typings. */
interface MultipartClient {
  multipartUpload(
    name: string,
    file: Buffer,
    options: { partSize: number; parallel: number; checkpoint?: Checkpoint; progress: (p: number, cp: Checkpoint | null) => Promise<void> },
  ): Promise<{ res: { status: number } }>;
  cancel(): void;
  listParts(name: string, uploadId: string, query: object): Promise<{ parts: Array<{ PartNumber: string; ETag: string }> }>;
  options: { accessKeyId: string };
}

const SNIPPET = '../clients/snippets/ali-oss-uploader.mjs';
const T0 = Math.floor(Date.now() / 1000) * 1000;
const LIFE_S = 900;
const FLOOR_S = 300;
/** OSS's and ali-oss's minimum part size. */
const PART_BYTES = 100 * 1024;
const PARTS = 24;
/** The last part is short, so the object's length is not a multiple of the part size. */
const FILE_BYTES = PART_BYTES * PARTS - 777;
const SECONDS_PER_PART = 50;
/** Longer than any token has left when the pause starts (at most 900 s − 240 s refresh interval). */
const PAUSE_S = 700;
const PAUSE_AFTER = [6, 12, 18];

let createUploader: CreateUploader;
let stack: Stack;
let server: Server;
let base: string;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ createUploader } = (await import(/* @vite-ignore */ SNIPPET)) as { createUploader: CreateUploader });
  stack = await startStack({
    configPatch: (c) => {
      c.cache.minRemainingSeconds = FLOOR_S;
      c.cache.refreshAhead = { enabled: false };
      const large = { ...c.profiles.uploads, durationSeconds: LIFE_S, maxSizeBytes: 8 * 1024 * 1024 };
      c.profiles['large-prefix'] = { ...large, prefix: 'large/${tenant}/${sub}/' };
      c.profiles['large-keys'] = { ...large, prefix: 'exact-large/${tenant}/${sub}/', scope: 'keys', keyNaming: 'original' };
    },
  });
  server = stack.broker.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await stack?.close();
  vi.useRealTimers();
});

const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

function uploader(profile: string, sub: string, file: Buffer, ossOptions: Record<string, unknown> = {}): Promise<Uploader> {
  return createUploader({
    broker: base,
    profile,
    files: profile === 'large-keys' ? [{ name: 'video.png', size: file.length, contentType: 'image/png' }] : undefined,
    // A fresh JWT for every credentials request: the development issuer's tokens live an hour.
    authHeaders: async () => ({ authorization: `Bearer ${await stack.broker.token(sub, 'acme')}` }),
    ossOptions: { sldEnable: true, agent: new Agent({ keepAlive: false }), timeout: 10_000, ...ossOptions },
  });
}

interface Run {
  key: string;
  file: Buffer;
  /** ListParts at each pause: the part numbers OSS holds, and whether their ETags are the ones the client recorded. */
  pauses: Array<{ listed: number[]; recorded: number[]; etagsMatch: boolean }>;
  accessKeyIds: string[];
  elapsedSeconds: number;
  uploadParts: number;
  /** Credential responses the client asked the broker for after its first (ali-oss's refreshSTSToken calls). */
  refreshes: number;
}

/** Uploads `file` part by part on the moving clock, pausing after PAUSE_AFTER parts; throws what ali-oss throws. */
async function pausedUpload(profile: string, sub: string, ossOptions: Record<string, unknown> = {}): Promise<Run> {
  const file = randomBytes(FILE_BYTES);
  const started = Date.now();
  const uploadPartsBefore = stack.oss.stats.byOperation.UploadPart ?? 0;
  const { client: oss, prefix, keys } = await uploader(profile, sub, file, ossOptions);
  const client = oss as unknown as MultipartClient;
  const key = keys?.[0] ?? `${prefix}video.png`;
  const accessKeyIds = new Set<string>([client.options.accessKeyId]);
  const pauses: Run['pauses'] = [];
  let checkpoint: Checkpoint | undefined;
  const progress = async (_fraction: number, cp: Checkpoint | null) => {
    accessKeyIds.add(client.options.accessKeyId);
    // No checkpoint once completed; none with a part yet right after Initiate.
    if (cp === null || cp.doneParts.length === 0) return;
    checkpoint = cp;
    advance(SECONDS_PER_PART);
    if (PAUSE_AFTER.includes(cp.doneParts.length)) client.cancel();
  };
  for (;;) {
    const outcome = await client
      .multipartUpload(key, file, { partSize: PART_BYTES, parallel: 1, progress, ...(checkpoint ? { checkpoint } : {}) })
      .then(
        (result) => ({ done: true as const, status: result.res.status }),
        (error: { name?: string }) => {
          if (error.name !== 'cancel') throw error;
          return { done: false as const };
        },
      );
    if (outcome.done) {
      expect(outcome.status).toBe(200);
      break;
    }
    // Paused: the user closed the laptop. What OSS holds for the upload is what was sent before the pause.
    advance(PAUSE_S);
    const cp = checkpoint!;
    const listed = (await client.listParts(key, cp.uploadId, { 'max-parts': 1000 })).parts ?? [];
    const byNumber = new Map(cp.doneParts.map((p) => [p.number, p.etag]));
    pauses.push({
      listed: listed.map((p) => Number(p.PartNumber)),
      recorded: [...byNumber.keys()].sort((a, b) => a - b),
      etagsMatch: listed.every((p) => byNumber.get(Number(p.PartNumber)) === p.ETag),
    });
    accessKeyIds.add(client.options.accessKeyId);
  }
  return {
    key,
    file,
    pauses,
    accessKeyIds: [...accessKeyIds],
    elapsedSeconds: (Date.now() - started) / 1000,
    uploadParts: (stack.oss.stats.byOperation.UploadPart ?? 0) - uploadPartsBefore,
    refreshes: stack.broker.audit.filter((e) => e.event.startsWith('credentials.') && e.principal?.subject === sub).length - 1,
  };
}

const expiredTokenFailures = () => stack.oss.stats.byCode.SecurityTokenExpired ?? 0;

describe('a resumable multipart upload across three token lifetimes', () => {
  it.each([
    ['a prefix profile', 'large-prefix', 'pia'],
    ['an exact-key profile (scope: keys)', 'large-keys', 'kai'],
  ])('with %s: no expired token, every part kept, the object exact', async (_, profile, sub) => {
    vi.setSystemTime(T0 + (profile === 'large-keys' ? 50_000_000 : 10_000_000));
    const expiredBefore = expiredTokenFailures();
    const run = await pausedUpload(profile, sub);

    expect(expiredTokenFailures() - expiredBefore).toBe(0);
    expect(run.elapsedSeconds).toBeGreaterThan(3 * LIFE_S);
    // A new token at least once per lifetime, each one carrying on the same upload.
    expect(run.accessKeyIds.length).toBeGreaterThanOrEqual(4);
    expect(run.refreshes).toBeGreaterThanOrEqual(run.accessKeyIds.length - 1);
    expect(run.pauses.map((p) => p.listed)).toEqual(PAUSE_AFTER.map((n) => Array.from({ length: n }, (_x, i) => i + 1)));
    expect(run.pauses.every((p) => p.etagsMatch && p.listed.join() === p.recorded.join())).toBe(true);
    // No part was sent twice: the upload resumed where it paused.
    expect(run.uploadParts).toBe(PARTS);
    expect(storedObject(stack.oss, BUCKET, run.key)?.equals(run.file)).toBe(true);
    if (profile === 'large-keys') expect(run.key).toBe(`exact-large/acme/${sub}/video.png`);

    if (process.env.MULTIPART_NUMBERS === '1') {
      console.info(
        `${profile}: ${PARTS} parts, ${FILE_BYTES} bytes, ${run.elapsedSeconds} s (${(run.elapsedSeconds / LIFE_S).toFixed(1)} token ` +
          `lifetimes of ${LIFE_S} s), ${run.pauses.length} pauses of ${PAUSE_S} s, ${run.refreshes} token refreshes ` +
          `(${run.accessKeyIds.length} AccessKeyIds used), ${run.uploadParts} UploadPart requests, ` +
          `${expiredTokenFailures() - expiredBefore} expired-token failures`,
      );
    }
  });

  it('a client that does not refresh (a 3-hour timer) fails on resume with SecurityTokenExpired', async () => {
    vi.setSystemTime(T0 + 90_000_000);
    const expiredBefore = expiredTokenFailures();
    const error = await ossFailure(pausedUpload('large-prefix', 'nora', { refreshSTSTokenInterval: 3 * 3600 * 1000 }));
    expect(error.code).toBe('SecurityTokenExpired');
    expect(expiredTokenFailures() - expiredBefore).toBeGreaterThan(0);
  });
});
