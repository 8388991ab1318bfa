/**
 * The gate every untrusted value passes before it becomes part of an object key or a session-policy resource
 * (README security property 1). RAM resources treat `*` and `?` as wildcards (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Wildcards"), so a value
 * that carried one would widen the token beyond its prefix; `/` and `..` would move it to another "folder"; `${`
 * could be mistaken for a template placeholder. We never escape such values: we refuse them with a clear 4xx, so
 * what the caller sent is exactly what ends up in the key.
 */
import { MAX_CLAIM_CHARS } from '../config/schema.js';
import { BrokerError } from '../errors.js';

/** `claim` values go into the prefix (ASCII only); `fileName` values become the last part of a key. */
export type SafeValueKind = 'claim' | 'fileName';

/** The common file-system limit for one name; well inside OSS's 1,023-byte key limit. */
export const MAX_FILE_NAME_BYTES = 255;

/** Claims: ASCII letters, digits and `. _ @ + = -`. No space, no `/`, `*`, `?`, `$`, `{`, `\`. */
const CLAIM_ALLOWED = /^[A-Za-z0-9._@+=-]+$/;

/**
 * File names: letters and digits of any script (a combining mark may follow a letter or digit, so Devanagari or
 * Thai names work), space, and `. _ - ( ) + , = @`. Everything else, including zero-width and bidi-override
 * characters (category Cf), non-breaking spaces, `%`, `#`, `&`, `~` and full-width look-alikes of `/`, is refused.
 */
const FILE_NAME_ALLOWED = /^(?:[\p{L}\p{N}]\p{M}*|[ ._\-()+,=@])+$/u;

/** C0 controls, DEL and C1 controls. Checked apart from the allow-list so the error names the real problem. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/u;

const utf8 = new TextEncoder();

function refuse(what: string, reason: string): never {
  throw new BrokerError('invalid_name', `${what} ${reason}`);
}

/**
 * Throws BrokerError('invalid_name') unless `value` is safe to place verbatim in an object key.
 * `what` names the value for the caller, e.g. `claim "sub"` or `file name #2`. The value itself is never echoed,
 * because it may hold control characters or be very long. `maxClaimChars` is the profile's limit for claims.
 */
export function assertSafeValue(value: string, what: string, kind: SafeValueKind = 'claim', maxClaimChars = MAX_CLAIM_CHARS): void {
  if (typeof value !== 'string' || value.length === 0) refuse(what, 'must not be empty');

  if (kind === 'claim') {
    const max = Math.min(maxClaimChars, MAX_CLAIM_CHARS);
    if (value.length > max) refuse(what, `must be at most ${max} characters`);
  } else if (utf8.encode(value).length > MAX_FILE_NAME_BYTES) {
    refuse(what, `must be at most ${MAX_FILE_NAME_BYTES} bytes in UTF-8`);
  }

  if (CONTROL_CHARS.test(value)) refuse(what, 'must not contain control characters');
  if (value.includes('${')) refuse(what, 'must not contain "${"');
  if (value.includes('*') || value.includes('?')) refuse(what, 'must not contain the wildcards "*" or "?"');
  if (value.includes('/') || value.includes('\\')) refuse(what, 'must not contain "/" or "\\"');
  if (value.includes('..')) refuse(what, 'must not contain ".."');
  if (value === '.') refuse(what, 'must not be "."');
  if (value.trim() !== value) refuse(what, 'must not start or end with whitespace');

  if (kind === 'claim') {
    if (!CLAIM_ALLOWED.test(value)) refuse(what, 'may only contain A-Z a-z 0-9 and . _ @ + = -');
    return;
  }

  // Refuse rather than normalize: the key must be exactly what the caller declared, and two names that look the
  // same must not map to two different keys. Clients (macOS gives NFD names) normalize with String#normalize('NFC').
  if (value.normalize('NFC') !== value) refuse(what, 'must be in Unicode NFC form');
  if (!FILE_NAME_ALLOWED.test(value)) {
    refuse(what, 'may only contain letters, digits, spaces and . _ - ( ) + , = @');
  }
}

/** Boolean form for property tests and callers that only branch. */
export function isSafeValue(value: string, kind: SafeValueKind = 'claim'): boolean {
  try {
    assertSafeValue(value, 'value', kind);
    return true;
  } catch (error) {
    if (error instanceof BrokerError) return false;
    throw error;
  }
}
