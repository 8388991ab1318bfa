/**
 * Which bucket and key a request names (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js): host-style when the Host header is
 * `<bucket>.oss-<region>[-internal].aliyuncs.com` (what ali-oss sends with an IP endpoint), otherwise path-style
 * `/<bucket>/<key>` (ali-oss with `endpoint: 'http://localhost:PORT', sldEnable: true`).
 * Also the object-name rules (https://alibabacloud.com/help/en/oss/user-guide/object-naming-conventions:
 * UTF-8, 1..1023 bytes, no leading `/` or `\`; errors per https://www.alibabacloud.com/help/doc-detail/185228.htm).
 */
import { ERRORS, ossError } from './oss-error.js';

const HOST_STYLE = /^([a-z0-9][a-z0-9-_]{1,61}[a-z0-9_])\.oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com(?::\d+)?$/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface Target {
  /** Empty when the request names no bucket (service level). */
  bucket: string;
  /** Undefined for bucket-level requests (`/` or `/<bucket>`, `/<bucket>/`). */
  key: string | undefined;
  style: 'host' | 'path';
  /** Query parameters in wire order, percent-decoded (`+` stays `+`). */
  query: Array<[string, string]>;
}

/** Percent-decodes to bytes and requires valid UTF-8 (an object name is UTF-8, https://www.alibabacloud.com/help/en/oss/user-guide/object-naming-conventions). */
function decodeComponent(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw ossError(ERRORS.invalidObjectName);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  try {
    return UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw ossError(ERRORS.invalidObjectName);
  }
}

function parseQuery(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((item) => item !== '')
    .map((item) => {
      const eq = item.indexOf('=');
      const k = eq < 0 ? item : item.slice(0, eq);
      const v = eq < 0 ? '' : item.slice(eq + 1);
      try {
        return [decodeURIComponent(k), decodeURIComponent(v)] as [string, string];
      } catch {
        throw ossError(ERRORS.invalidArgument, {}, 'The query string is not correctly percent-encoded.');
      }
    });
}

export function resolveTarget(hostHeader: string | undefined, rawUrl: string): Target {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
  const hostMatch = HOST_STYLE.exec(hostHeader ?? '');
  if (hostMatch) {
    const rest = rawPath.replace(/^\//, '');
    return { bucket: (hostMatch[1] as string).toLowerCase(), key: rest === '' ? undefined : decodeComponent(rest), style: 'host', query };
  }
  const path = rawPath.replace(/^\//, '');
  const slash = path.indexOf('/');
  const bucket = slash < 0 ? path : path.slice(0, slash);
  const rest = slash < 0 ? '' : path.slice(slash + 1);
  return { bucket: decodeComponent(bucket), key: rest === '' ? undefined : decodeComponent(rest), style: 'path', query };
}

/**
 * The object-name rules. `..` path segments are refused too: real OSS stores such names, but they are a classic
 * traversal vector for anything that maps keys to paths (and the broker never names such keys), so the emulator answers
 * with the code OSS documents for an invalid name ("The specified object is not valid").
 */
export function checkObjectKey(key: string | undefined): string {
  if (key === undefined || key === '') throw ossError(ERRORS.invalidObjectEmpty);
  if (Buffer.byteLength(key, 'utf8') > 1023) throw ossError(ERRORS.invalidObjectLong);
  if (key.startsWith('/') || key.startsWith('\\')) throw ossError(ERRORS.invalidObjectName);
  if (key.split(/[/\\]/).some((segment) => segment === '..')) throw ossError(ERRORS.invalidObjectName);
  // Lone surrogates cannot occur after strict UTF-8 decoding; control characters are allowed by OSS except NUL.
  if (key.includes('\u0000')) throw ossError(ERRORS.invalidObjectName);
  return key;
}
