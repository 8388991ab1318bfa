/**
 * openapi.yaml as the documentation tests need it: which operations exist, which path template a concrete path
 * matches, and validation of an example body against a request or response schema (OpenAPI 3.1 schemas are JSON
 * Schema 2020-12).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { ROOT } from './markdown.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
// biome-ignore lint/suspicious/noExplicitAny: the parsed YAML document and the nodes in it
type Node = any;
const spec: Node = parse(readFileSync(`${ROOT}openapi.yaml`, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: spec.components });

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export interface Operation {
  method: string;
  path: string;
  /** Only answers 405: a method the resource refuses, documented as such. */
  refusedMethod: boolean;
}

export function operations(): Operation[] {
  return Object.entries(spec.paths as Record<string, Record<string, { responses?: object }>>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => {
      const statuses = Object.keys(item[method]!.responses ?? {});
      return { method: method.toUpperCase(), path, refusedMethod: statuses.length === 1 && statuses[0] === '405' };
    }),
  );
}

/** The path template a concrete path (no query) falls under, e.g. /v1/credentials/uploads → /v1/credentials/{profile}. */
export function routeOf(path: string): string | undefined {
  const segments = path.split('/');
  return Object.keys(spec.paths).find((template) => {
    const parts = template.split('/');
    return parts.length === segments.length && parts.every((p, i) => (/^\{.+\}$/.test(p) ? segments[i] !== '' : p === segments[i]));
  });
}

function resolve(node: { $ref?: string }): Node {
  if (!node.$ref) return node;
  return resolve(
    node.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((acc: Node, key) => acc[key], spec),
  );
}

function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `openapi${v}` : rewriteRefs(v)]),
    );
  }
  return schema;
}

function check(schema: object, value: unknown, what: string): string[] {
  const validate = ajv.compile(rewriteRefs(schema) as object);
  return validate(value) ? [] : [`${what}: ${ajv.errorsText(validate.errors)}`];
}

/** Problems of `body` as the JSON request body of an operation. */
export function requestBodyProblems(method: string, template: string, body: unknown): string[] {
  const operation = spec.paths[template]?.[method.toLowerCase()];
  const schema = operation?.requestBody && resolve(operation.requestBody).content?.['application/json']?.schema;
  if (!schema) return [`openapi.yaml has no JSON request body for ${method} ${template}`];
  return check(schema, body, `not a ${method} ${template} request body`);
}

/** Problems of `body` as a response of an operation, with the given status and media type. */
export function responseProblems(method: string, template: string, status: string, media: string, body: unknown): string[] {
  const response = spec.paths[template]?.[method.toLowerCase()]?.responses?.[status];
  if (!response) return [`openapi.yaml has no ${status} response for ${method} ${template}`];
  const schema = resolve(response).content?.[media]?.schema;
  if (!schema) return [`openapi.yaml has no ${media} body for ${status} ${method} ${template}`];
  return check(schema, body, `not a ${status} ${method} ${template} ${media} body`);
}
