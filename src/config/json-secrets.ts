/**
 * The two secrets that are lists, as JSON: BROKER_API_KEYS (partner key hashes per apiKey client) and
 * BROKER_ADMIN_KEYS (named admin key hashes). Checked with the configuration's own schemas, so a key that the file
 * would refuse is refused from the environment, a mounted file or KMS alike. Problems name the variable and the
 * field, never a value.
 */
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { adminKeyListSchema, apiKeysSecretSchema } from './schema.js';

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

function parseJsonSecret<T>(name: string, value: string, schema: z.ZodType<T>): { value?: T; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problems: [`${name}: not valid JSON`] };
  }
  const result = schema.safeParse(json);
  if (!result.success) return { problems: result.error.issues.map((i) => `${name}${issuePath(i.path)}: ${i.message}`) };
  return { value: result.data, problems: [] };
}

export type ApiKeysSecret = z.infer<typeof apiKeysSecretSchema>;
export type AdminKeyList = z.infer<typeof adminKeyListSchema>;

/** What is wrong with a BROKER_API_KEYS value on its own (the clients it names are checked with the file). */
export function apiKeysSecretProblems(value: string): string[] {
  return parseJsonSecret('BROKER_API_KEYS', value, apiKeysSecretSchema).problems;
}

export function adminKeysSecretProblems(value: string): string[] {
  return parseJsonSecret('BROKER_ADMIN_KEYS', value, adminKeyListSchema).problems;
}

export function parseAdminKeys(value: string): AdminKeyList {
  const parsed = parseJsonSecret('BROKER_ADMIN_KEYS', value, adminKeyListSchema);
  if (parsed.value === undefined) throw new ConfigError(parsed.problems);
  return parsed.value;
}

/**
 * The file's `clients` with each client named in BROKER_API_KEYS given the secret's keys. A client named there
 * must be an apiKey client of the file without `keys` of its own: two lists for one client would leave which one
 * counts to a guess, and a key removed from the secret must stop working.
 */
export function applyApiKeysSecret(clients: unknown, value: string): unknown[] {
  const parsed = parseJsonSecret('BROKER_API_KEYS', value, apiKeysSecretSchema);
  if (parsed.value === undefined) throw new ConfigError(parsed.problems);
  const list = Array.isArray(clients) ? clients : [];
  const problems: string[] = [];
  const named = new Set(Object.keys(parsed.value));
  const out = list.map((client: unknown, i) => {
    const c = client as { id?: unknown; type?: unknown; keys?: unknown } | null;
    if (c === null || typeof c !== 'object' || typeof c.id !== 'string' || !named.has(c.id)) return client;
    named.delete(c.id);
    if (c.type !== 'apiKey') problems.push(`BROKER_API_KEYS.${c.id}: clients[${i}] is not an apiKey client`);
    else if (c.keys !== undefined) problems.push(`clients[${i}].keys: set in the file and in BROKER_API_KEYS; keep one`);
    return { ...c, keys: parsed.value![c.id] };
  });
  for (const id of named) problems.push(`BROKER_API_KEYS.${id}: no client with this id in clients[]`);
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
