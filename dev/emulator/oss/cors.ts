/**
 * Bucket CORS as OSS applies it: a preflight `OPTIONS` is answered from the rules alone, without authentication;
 * an actual request with `Origin` gets `Access-Control-Allow-*` and `Access-Control-Expose-Headers` from the first
 * rule that matches its origin and method. Browsers need `ETag` exposed for ali-oss multipart (https://github.com/ali-sdk/ali-oss#browser-usage).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ERRORS, ossError } from './oss-error.js';
import type { CorsRule } from './types.js';

const DEFAULT_EXPOSE = ['ETag', 'x-oss-request-id'];

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

function findRule(rules: readonly CorsRule[], origin: string, method: string): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcard(o, origin, false)) && r.allowedMethods.some((m) => m.toUpperCase() === method.toUpperCase()),
  );
}

function baseHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-origin': rule.allowedOrigins.includes('*') ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.map((m) => m.toUpperCase()).join(', '),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  const expose = rule.exposeHeaders ?? DEFAULT_EXPOSE;
  if (expose.length > 0) headers['access-control-expose-headers'] = expose.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

/** The preflight answer's headers; throws AccessForbidden when no rule allows it. */
export function preflight(rules: readonly CorsRule[], headers: IncomingHttpHeaders): Record<string, string> {
  const origin = headers.origin;
  const method = headers['access-control-request-method'];
  if (typeof origin !== 'string' || typeof method !== 'string') throw ossError(ERRORS.corsMissingInfo);
  const requested = String(headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const rule = rules.find(
    (r) =>
      findRule([r], origin, method) !== undefined && requested.every((h) => (r.allowedHeaders ?? []).some((a) => wildcard(a, h, true))),
  );
  if (!rule) throw ossError(ERRORS.corsForbidden);
  const out = baseHeaders(rule, origin);
  if (requested.length > 0) out['access-control-allow-headers'] = requested.join(', ');
  return out;
}

/** Headers for an actual (non-preflight) request; empty when it has no Origin or no rule matches. */
export function corsHeaders(rules: readonly CorsRule[], headers: IncomingHttpHeaders, method: string): Record<string, string> {
  const origin = headers.origin;
  if (typeof origin !== 'string') return {};
  const rule = findRule(rules, origin, method);
  return rule ? baseHeaders(rule, origin) : {};
}
