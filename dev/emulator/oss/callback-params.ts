/**
 * The upload-callback parameters (https://www.alibabacloud.com/help/en/oss/developer-reference/callback, step 1):
 * `callback` is base64 JSON `{callbackUrl, callbackHost?, callbackBody, callbackBodyType?}`; custom variables come from
 * `callback-var` (base64 JSON `{"x:name": "value"}`) on PutObject and CompleteMultipartUpload, or from separate `x:name`
 * form fields on PostObject. Either parameter travels in a header (`x-oss-callback`, `x-oss-callback-var`) or in the
 * URL (`callback`, `callback-var` sub-resources), never both. Anything invalid is 400 InvalidArgument and the upload
 * is refused (same page, "If the imported callback parameter or callback-var parameters are invalid").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ERRORS, ossError } from './oss-error.js';

export type CallbackBodyType = 'application/x-www-form-urlencoded' | 'application/json';

export interface CallbackSpec {
  /** Tried in order until one succeeds (at most 5). */
  urls: URL[];
  /** The Host header of the callback request; default: the URL's host. */
  host?: string;
  /** The template, with `${var}` placeholders. */
  body: string;
  bodyType: CallbackBodyType;
  /** Custom variables, `x:name` → value. */
  vars: ReadonlyMap<string, string>;
}

/** "The size of the callback or callback-var parameter exceeds 5 KB" → InvalidArgument. */
const MAX_PARAM_BYTES = 5 * 1024;
const MAX_URLS = 5;
const BODY_TYPES: readonly CallbackBodyType[] = ['application/x-www-form-urlencoded', 'application/json'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function invalid(message: string): never {
  throw ossError(ERRORS.invalidArgument, {}, message);
}

function decodeJson(value: string, name: string): Record<string, unknown> {
  if (value.length > MAX_PARAM_BYTES) invalid(`The ${name} parameter is larger than 5 KB.`);
  if (!BASE64.test(value) || value.length % 4 !== 0) invalid(`The ${name} parameter is not base64 encoded.`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    invalid(`The ${name} parameter is not valid json.`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) invalid(`The ${name} parameter is not a json object.`);
  return doc as Record<string, unknown>;
}

/** `host:port/path` without a scheme is how Alibaba's own examples write callbackUrl, so http:// is assumed. */
function parseUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    invalid(`The callbackUrl ${JSON.stringify(raw)} is not a valid url.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    invalid(`The callbackUrl ${JSON.stringify(raw)} is not a valid url.`);
  }
  return url;
}

/** Every `${` must open a well-formed `${name}` ("The valid format is ${var}"). */
function checkTemplate(body: string): void {
  const rest = body.replace(/\$\{[^{}$]+\}/g, '');
  if (rest.includes('${')) invalid('The callbackBody contains a variable that is not in the ${var} format.');
}

function checkVars(vars: Map<string, string>): Map<string, string> {
  for (const key of vars.keys()) {
    // "The key of a custom parameter must start with x: and must contain only lowercase letters."
    if (!key.startsWith('x:') || key.length === 2 || key !== key.toLowerCase()) {
      invalid(`The callback variable ${JSON.stringify(key)} must start with x: and be lower case.`);
    }
  }
  return vars;
}

function parseCallback(encoded: string, vars: Map<string, string>): CallbackSpec | undefined {
  const doc = decodeJson(encoded, 'callback');
  const { callbackUrl, callbackHost, callbackBody, callbackBodyType } = doc;
  if (callbackUrl !== undefined && typeof callbackUrl !== 'string') invalid('The callbackUrl must be a string.');
  const rawUrls = (callbackUrl ?? '')
    .split(';')
    .map((u) => u.trim())
    .filter(Boolean);
  // "If the value of this field is not configured or is empty, callback is not configured."
  if (rawUrls.length === 0) return undefined;
  if (rawUrls.length > MAX_URLS) invalid('The callbackUrl contains more than 5 urls.');
  if (callbackHost !== undefined && (typeof callbackHost !== 'string' || callbackHost === '')) invalid('The callbackHost is invalid.');
  if (typeof callbackBody !== 'string' || callbackBody === '') invalid('The callbackBody is empty.');
  checkTemplate(callbackBody);
  const bodyType = callbackBodyType ?? 'application/x-www-form-urlencoded';
  if (!BODY_TYPES.includes(bodyType as CallbackBodyType)) invalid('The callbackBodyType is not supported.');
  return {
    urls: rawUrls.map(parseUrl),
    host: callbackHost as string | undefined,
    body: callbackBody,
    bodyType: bodyType as CallbackBodyType,
    vars: checkVars(vars),
  };
}

function parseVars(encoded: string | undefined): Map<string, string> {
  if (encoded === undefined) return new Map();
  const doc = decodeJson(encoded, 'callback-var');
  const vars = new Map<string, string>();
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string') invalid(`The callback variable ${JSON.stringify(k)} must be a string.`);
    vars.set(k, v);
  }
  return vars;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/** PutObject and CompleteMultipartUpload: the header pair or the URL pair. */
export function callbackFromRequest(headers: IncomingHttpHeaders, query: ReadonlyMap<string, string>): CallbackSpec | undefined {
  const inHeaders = headers['x-oss-callback'] !== undefined || headers['x-oss-callback-var'] !== undefined;
  const inQuery = query.has('callback') || query.has('callback-var');
  if (inHeaders && inQuery) invalid('The callback parameters must be passed either in headers or in the url, not both.');
  const callback = inHeaders ? one(headers['x-oss-callback']) : query.get('callback');
  const callbackVar = inHeaders ? one(headers['x-oss-callback-var']) : query.get('callback-var');
  if (callback === undefined) return undefined;
  return parseCallback(callback, parseVars(callbackVar));
}

/** PostObject: the `callback` field, and each custom variable as its own `x:name` field (names already lower-cased). */
export function callbackFromForm(fields: ReadonlyMap<string, string>): CallbackSpec | undefined {
  const callback = fields.get('callback');
  if (callback === undefined) return undefined;
  const vars = new Map([...fields].filter(([name]) => name.startsWith('x:')));
  return parseCallback(callback, vars);
}
