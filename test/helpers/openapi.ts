/**
 * Checks real responses against openapi.yaml: finds the operation's response for the status and content type,
 * validates the body with Ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12), and checks the documented headers:
 * each `required` one is present, and every documented one present matches its schema.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Response } from 'supertest';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const document = parse(readFileSync(fileURLToPath(new URL('../../openapi.yaml', import.meta.url)), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');

function resolve(node: { $ref?: string }): any {
  if (!node.$ref) return node;
  const path = node.$ref.replace(/^#\//, '').split('/');
  return resolve(path.reduce((acc: any, key) => acc[key], document));
}

/** Rewrites local refs to point into the registered `openapi` schema. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `openapi${v}` : rewriteRefs(v)]),
    );
  }
  return schema;
}

export function expectMatchesSpec(method: string, path: string, res: Response): void {
  const operation = document.paths?.[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`openapi.yaml has no ${method} ${path}`);
  const response = operation.responses?.[String(res.status)];
  if (!response) throw new Error(`openapi.yaml has no ${res.status} response for ${method} ${path}`);
  const resolved = resolve(response);
  checkHeaders(`${method} ${path} ${res.status}`, resolved.headers ?? {}, res);
  if (resolved.content === undefined) {
    // A response documented without a body (HEAD).
    if (res.text) throw new Error(`${method} ${path} ${res.status} has a body that openapi.yaml does not document`);
    return;
  }
  const contentType = String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  const media = resolved.content?.[contentType];
  if (!media) throw new Error(`openapi.yaml has no ${contentType} body for ${res.status} ${method} ${path}`);
  const validate = ajv.compile(rewriteRefs(media.schema) as object);
  const body = contentType.endsWith('json') ? res.body : res.text;
  if (!validate(body)) {
    throw new Error(`${method} ${path} ${res.status} does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
  }
}

function checkHeaders(what: string, headers: Record<string, { $ref?: string }>, res: Response): void {
  for (const [name, node] of Object.entries(headers)) {
    const header = resolve(node);
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) throw new Error(`${what} lacks the ${name} header that openapi.yaml requires`);
      continue;
    }
    if (!header.schema) continue;
    const validate = ajv.compile(rewriteRefs(header.schema) as object);
    if (!validate(String(value))) {
      throw new Error(`${what}: header ${name}: ${String(value)} does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
    }
  }
}
