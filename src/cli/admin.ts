/**
 * Operator tool: the broker's admin API (docs/operations.md) from a shell. Talks to the admin listener at
 * BROKER_ADMIN_URL (default http://127.0.0.1:8081, e.g. through `kubectl port-forward`) with the admin key from
 * BROKER_ADMIN_KEY, or an ID token from BROKER_ADMIN_TOKEN (`server.adminOidc`); prints the JSON answers.
 *   npx tsx src/cli/admin.ts revoke --tenant acme --sub alice --reason "laptop stolen" [--until 2025-06-02T00:00:00Z]
 *   npx tsx src/cli/admin.ts revoke --api-key-id pk_acme_1 --reason "key leaked"
 *   npx tsx src/cli/admin.ts list
 *   npx tsx src/cli/admin.ts lift rv_…
 *   npx tsx src/cli/admin.ts tokens --tenant acme --sub alice
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: admin.ts <command> [options]
  (BROKER_ADMIN_KEY: the admin key, or BROKER_ADMIN_TOKEN: an admin ID token; BROKER_ADMIN_URL: the admin listener)
  revoke (--tenant T --sub S | --api-key-id ID | --credential-url-id ID) --reason R [--until RFC3339]
  list
  lift <revocation id>
  tokens (--tenant T --sub S | --api-key-id ID | --credential-url-id ID)
`;

const OPTIONS = {
  tenant: { type: 'string' },
  sub: { type: 'string' },
  'api-key-id': { type: 'string' },
  'credential-url-id': { type: 'string' },
  reason: { type: 'string' },
  until: { type: 'string' },
} as const;

export interface AdminRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

class UsageError extends Error {}

function principalOf(values: Record<string, string | undefined>): Record<string, string> {
  const { tenant, sub } = values;
  const apiKeyId = values['api-key-id'];
  const credentialUrlId = values['credential-url-id'];
  const given = [tenant !== undefined || sub !== undefined, apiKeyId !== undefined, credentialUrlId !== undefined].filter(Boolean);
  if (given.length !== 1) throw new UsageError('name one principal: --tenant and --sub, --api-key-id, or --credential-url-id');
  if (apiKeyId !== undefined) return { apiKeyId };
  if (credentialUrlId !== undefined) return { credentialUrlId };
  if (tenant === undefined || sub === undefined) throw new UsageError('an app user needs both --tenant and --sub');
  return { tenant, sub };
}

/** The admin API request a command line stands for (exported for its unit test). */
export function requestFor(argv: readonly string[]): AdminRequest {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'revoke': {
      if (values.reason === undefined) throw new UsageError('revoke needs --reason');
      const body = { principal: principalOf(values), reason: values.reason, ...(values.until ? { until: values.until } : {}) };
      return { method: 'POST', path: '/admin/v1/revocations', body };
    }
    case 'list':
      return { method: 'GET', path: '/admin/v1/revocations' };
    case 'lift':
      if (rest.length !== 1) throw new UsageError('lift needs the revocation id');
      return { method: 'DELETE', path: `/admin/v1/revocations/${encodeURIComponent(rest[0]!)}` };
    case 'tokens':
      return { method: 'GET', path: `/admin/v1/principals/tokens?${new URLSearchParams(principalOf(values))}` };
    default:
      throw new UsageError(command === undefined ? 'name a command' : `unknown command ${command}`);
  }
}

/** The bearer credential: the admin key (BROKER_ADMIN_KEY) or an admin ID token (BROKER_ADMIN_TOKEN), exactly one. */
export function bearerFrom(env: NodeJS.ProcessEnv): string {
  const given = [env.BROKER_ADMIN_KEY, env.BROKER_ADMIN_TOKEN].filter((v): v is string => v !== undefined && v !== '');
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'set BROKER_ADMIN_KEY (the admin key the broker holds the SHA-256 of) or BROKER_ADMIN_TOKEN (an admin ID token)'
        : 'set one of BROKER_ADMIN_KEY and BROKER_ADMIN_TOKEN, not both',
    );
  }
  return given[0]!;
}

async function main(): Promise<number> {
  let request: AdminRequest;
  let bearer: string;
  try {
    request = requestFor(process.argv.slice(2));
    bearer = bearerFrom(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const base = process.env.BROKER_ADMIN_URL ?? 'http://127.0.0.1:8081';
  const res = await fetch(new URL(request.path, base), {
    method: request.method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const text = await res.text();
  const out = res.ok ? process.stdout : process.stderr;
  if (res.status === 204) out.write(`${request.method} ${request.path}: done\n`);
  else out.write(`${text.trim()}\n`);
  return res.ok ? 0 : 1;
}

// Run only as a program, so the unit test can import requestFor.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`admin request failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
