/**
 * Where objects live: in memory (default) or in a directory (`dataDir`). The directory form keeps one `<sha256>.bin`
 * body and one `<sha256>.json` metadata file per object under `<dataDir>/<bucket>/`, so no key ever becomes a path
 * (keys may hold `/`, `\` and any UTF-8). An in-memory index of metadata serves listings in both forms.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectEncryption } from './encryption.js';

export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted upper-case hex: `"5EB63BBBE01EEED093CB22BB8F5ACDC3"`, or `"…-N"` for multipart results. */
  etag: string;
  contentType: string;
  lastModified: number;
  type: 'Normal' | 'Multipart';
  /** Stored headers returned on GET/HEAD: `x-oss-meta-*`, Cache-Control, Content-Disposition, Content-Encoding. */
  headers: Record<string, string>;
  /** Server-side encryption the upload asked for (encryption.ts); absent: none. */
  encryption?: ObjectEncryption | undefined;
}

export interface StoredObject extends ObjectMeta {
  body: Buffer;
}

export class ObjectStore {
  private readonly index = new Map<string, Map<string, ObjectMeta>>();
  private readonly bodies = new Map<string, Buffer>();

  constructor(
    buckets: readonly string[],
    private readonly dataDir?: string,
  ) {
    for (const bucket of buckets) {
      const entries = new Map<string, ObjectMeta>();
      this.index.set(bucket, entries);
      if (!dataDir) continue;
      const dir = join(dataDir, bucket);
      mkdirSync(dir, { recursive: true });
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.json')) continue;
        const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ObjectMeta;
        entries.set(meta.key, meta);
      }
    }
  }

  hasBucket(bucket: string): boolean {
    return this.index.has(bucket);
  }

  private file(bucket: string, key: string, ext: 'bin' | 'json'): string {
    const id = createHash('sha256').update(key, 'utf8').digest('hex');
    return join(this.dataDir as string, bucket, `${id}.${ext}`);
  }

  put(bucket: string, object: StoredObject): void {
    const { body, ...meta } = object;
    if (this.dataDir) {
      writeFileSync(this.file(bucket, meta.key, 'bin'), body);
      writeFileSync(this.file(bucket, meta.key, 'json'), JSON.stringify(meta));
    } else {
      this.bodies.set(`${bucket}\u0000${meta.key}`, body);
    }
    this.index.get(bucket)?.set(meta.key, meta);
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.index.get(bucket)?.get(key);
  }

  get(bucket: string, key: string): StoredObject | undefined {
    const meta = this.head(bucket, key);
    if (!meta) return undefined;
    const body = this.dataDir ? readFileSync(this.file(bucket, key, 'bin')) : this.bodies.get(`${bucket}\u0000${key}`);
    return body ? { ...meta, body } : undefined;
  }

  delete(bucket: string, key: string): void {
    if (!this.index.get(bucket)?.delete(key)) return;
    if (this.dataDir) {
      rmSync(this.file(bucket, key, 'bin'), { force: true });
      rmSync(this.file(bucket, key, 'json'), { force: true });
    } else {
      this.bodies.delete(`${bucket}\u0000${key}`);
    }
  }

  /** Keys in binary (UTF-8 byte) order, the order OSS lists in. */
  keys(bucket: string, prefix = ''): string[] {
    const all = [...(this.index.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
    return all.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
}

export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
}
