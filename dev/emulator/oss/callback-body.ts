/**
 * Expands a callbackBody template (https://www.alibabacloud.com/help/en/oss/developer-reference/callback, step 1).
 * System variables: `${bucket}`, `${object}`, `${etag}` (without quotes, as the documented sample body shows),
 * `${size}` (the whole object for CompleteMultipartUpload), `${mimeType}`; custom `${x:name}`.
 * - `application/x-www-form-urlencoded`: each value is URL-encoded (`mimeType=text%2Fplain` in the sample).
 * - `application/json`: each value is inserted "in the JSON format": strings quoted and escaped, `${size}` a number
 *   (the documented template is `{"mimeType":${mimeType},"size":${size}}`).
 * Not modelled: `${imageInfo.height|width|format}` are always empty, which is what OSS sends for an object that is
 * not an image; the emulator does not decode images. A custom variable that was not supplied, and any other name,
 * also expand to empty (the documentation does not say; empty keeps both body types well-formed).
 */
import type { CallbackSpec } from './callback-params.js';

export interface UploadedObject {
  bucket: string;
  key: string;
  /** Quoted, as stored: `"…"` or `"…-N"`. */
  etag: string;
  size: number;
  mimeType: string;
}

function variable(name: string, spec: CallbackSpec, object: UploadedObject): string | number {
  switch (name) {
    case 'bucket':
      return object.bucket;
    case 'object':
      return object.key;
    case 'etag':
      return object.etag.replace(/"/g, '');
    case 'size':
      return object.size;
    case 'mimeType':
      return object.mimeType;
    default:
      return spec.vars.get(name) ?? '';
  }
}

export function expandCallbackBody(spec: CallbackSpec, object: UploadedObject): Buffer {
  const text = spec.body.replace(/\$\{([^{}$]+)\}/g, (_match, name: string) => {
    const value = variable(name, spec, object);
    if (spec.bodyType === 'application/json') return typeof value === 'number' ? String(value) : JSON.stringify(value);
    return encodeURIComponent(String(value));
  });
  return Buffer.from(text, 'utf8');
}
