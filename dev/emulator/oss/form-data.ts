/**
 * A small multipart/form-data reader for PostObject (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject), written here rather than adding busboy: the body is
 * already buffered, and only names, filename, part Content-Type and values are needed. Field names are lower-cased
 * (they are case-insensitive); the file part must come last.
 */
import { ERRORS, ossError } from './oss-error.js';

interface FormFile {
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

export interface ParsedForm {
  /** Lower-cased field name → value (UTF-8). */
  fields: Map<string, string>;
  file: FormFile;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  if (!/^\s*form-data\s*(;|$)/i.test(value)) return {};
  const out: { name?: string; filename?: string } = {};
  for (const m of value.matchAll(/;\s*(name|filename)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi)) {
    const v = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if ((m[1] as string).toLowerCase() === 'name') out.name = v;
    else out.filename = v;
  }
  return out;
}

/** Throws MalformedPOSTRequest (also for a field after the file), IncorrectNumberOfFilesInPOSTRequest. */
export function parseForm(body: Buffer, boundary: string): ParsedForm {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields = new Map<string, string>();
  let file: FormFile | undefined;
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw ossError(ERRORS.malformedPost);
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw ossError(ERRORS.malformedPost);
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw ossError(ERRORS.malformedPost);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw ossError(ERRORS.malformedPost);
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = parseDisposition(headers.get('content-disposition') ?? '');
    if (!disposition.name) throw ossError(ERRORS.malformedPost);
    const data = body.subarray(headerEnd + 4, next);
    const name = disposition.name.toLowerCase();
    // A field after the file is a malformed form: https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000104
    // ("the file form field is not the last form field"), listed under MalformedPOSTRequest in
    // https://www.alibabacloud.com/help/en/oss/how-to-handle-common-errors-when-the-postobject-operation-is-called.
    if (file) throw ossError(ERRORS.malformedPost);
    if (name === 'file') {
      file = { filename: disposition.filename ?? '', contentType: headers.get('content-type'), data: Buffer.from(data) };
    } else {
      fields.set(name, data.toString('utf8'));
    }
    pos = next + 2;
  }
  if (!file) throw ossError(ERRORS.incorrectFiles);
  return { fields, file };
}
