/**
 * Checks real responses against openapi.yaml: finds the operation's response for the status and content type and
 * validates the body with Ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12).
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
