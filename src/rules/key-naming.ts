/**
 * Turns declared files into exact object keys under the rendered prefix. Names reaching this module have passed
 * assertSafeValue (file-rules.ts), so a key is always `<prefix><one safe segment>`.
 */
import { randomUUID } from 'node:crypto';
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { FileSpec } from './grant.js';
import { fileExtension } from './file-rules.js';

/** OSS: an object name is 1-1,023 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1023;

/** Supplies the random part of `random` key names; injectable so tests get stable keys. */
export type RandomId = () => string;

/** 122 random bits, no dashes: unguessable, and nothing a RAM wildcard or a path separator could hide in. */
export const defaultRandomId: RandomId = () => randomUUID().replaceAll('-', '');

/** What a generator may return: a plain token, so a buggy generator cannot put `/`, `*` or `..` into a key. */
const RANDOM_ID = /^[A-Za-z0-9_-]{8,64}$/;

const utf8 = new TextEncoder();

/** Throws BrokerError('key_too_long') when `key` is over the OSS limit. `what` names it for the caller. */
export function assertKeyLength(key: string, what = 'object key'): void {
  const bytes = utf8.encode(key).length;
  if (bytes > MAX_KEY_BYTES) {
    throw new BrokerError('key_too_long', `${what} would be ${bytes} bytes; OSS allows at most ${MAX_KEY_BYTES}`);
  }
}

export interface NameKeysInput {
  prefix: string;
  files: readonly FileSpec[];
  keyNaming: ProfileConfig['keyNaming'];
  random?: RandomId | undefined;
}

/**
 * `original`: `<prefix><name>`. `random`: `<prefix><id>.<ext>`, keeping the (lower-cased) extension so policy
 * patterns of the form `*.<ext>` and the object's apparent type still match. Keys come back in file order.
 */
export function nameKeys({ prefix, files, keyNaming, random = defaultRandomId }: NameKeysInput): string[] {
  const keys = files.map((file, i) => {
    let key: string;
    if (keyNaming === 'original') {
      key = `${prefix}${file.name}`;
    } else {
      const id = random();
      if (!RANDOM_ID.test(id)) throw new Error('random key id generator returned an unsafe value');
      const ext = fileExtension(file.name);
      // ASCII-only lower-casing: a Unicode case mapping may change a name's length or form (e.g. "İ").
      const lowered = ext?.replace(/[A-Z]/g, (c) => c.toLowerCase());
      key = lowered === undefined ? `${prefix}${id}` : `${prefix}${id}.${lowered}`;
    }
    assertKeyLength(key, `the key for file #${i + 1}`);
    return key;
  });
  // Names are unique (file-rules), so only a broken id generator could make two files share one key.
  if (new Set(keys).size !== keys.length) throw new Error('key naming produced duplicate keys');
  return keys;
}
