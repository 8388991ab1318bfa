/**
 * The broker's configuration in the benchmark: the shipped example, deploy/config.example.yaml, read as it is, with
 * only the substitutions a loopback benchmark needs (listed in SUBSTITUTIONS and printed in the report). So the
 * measured request passes the guards an operator who copies the example gets: its profile (file types, size, key
 * naming, conditions), its quota windows, its rate-limit windows, its cache settings and its server settings.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const EXAMPLE_CONFIG_PATH = 'deploy/config.example.yaml';

interface WindowLimit {
  limit: number;
  windowSeconds: number;
}

interface ByteWindowLimit {
  limitBytes: number;
  windowSeconds: number;
}

/** The parts of the example the bench reads or replaces; everything else is passed through as it is. */
interface ExampleConfig {
  server: Record<string, unknown>;
  clients: Array<Record<string, unknown> & { id: string; type: string }>;
  profiles: Record<
    string,
    Record<string, unknown> & {
      roleArn: string;
      clients: string[];
      quota?: { perPrincipal?: WindowLimit[]; bytesPerPrincipal?: ByteWindowLimit[] };
    }
  >;
  sts: Record<string, unknown>;
  redis: Record<string, unknown>;
  cache: Record<string, unknown>;
  rateLimits: Record<string, WindowLimit>;
  uploads?: Record<string, unknown>;
}

const example = parseYaml(readFileSync(fileURLToPath(new URL(`../${EXAMPLE_CONFIG_PATH}`, import.meta.url)), 'utf8')) as ExampleConfig;

/** Limits high enough never to refuse: all load comes from one IP, and the best case from one principal. */
export const NEVER_REFUSE = 100_000_000;

/** What differs from the example, in words, for the report and bench/README.md. */
export const SUBSTITUTIONS = [
  'server.host/port → 127.0.0.1:0',
  `the oidc client "${firstOidcClient().id}" → a client of the same id for a development issuer (ES256 instead of the example's RS256, key set in memory instead of a JWKS URL, tenant from the \`tenant\` claim)`,
  `every quota and rate-limit \`limit\` → ${NEVER_REFUSE.toLocaleString('en-US')} (windows kept: each request still charges every window in the store)`,
  'sts → the STS emulator on loopback over HTTPS (its one-run CA trusted in code), through the official SDK; sts.maxCallsPerSecond set per scenario; the reuse-window check relaxed in code for the hot-key broker only',
  'redis.url → REDIS_URL, redis.keyPrefix → one prefix per broker process (deleted afterwards); or no Redis for the memory-store soak',
  'cache.encryptionKey → 32 random bytes per run',
  `every byte quota's \`limitBytes\` → 2^46 (windows kept: each request still reserves its declared bytes)`,
  'uploads.grantKey → 32 random bytes per run (the bench posts no forms)',
];

function firstOidcClient(): { id: string } {
  const client = example.clients.find((c) => c.type === 'oidc');
  if (!client) throw new Error(`${EXAMPLE_CONFIG_PATH} has no oidc client to benchmark`);
  return client;
}

/**
 * The example's profile that app users (the oidc client) get tokens from: the one every cache-hit request asks for.
 * A forms-only profile (`paths` without `sts`) answers /v1/credentials with 403 `forms_only`, so it is skipped.
 */
export const BENCH_PROFILE: string = (() => {
  const id = firstOidcClient().id;
  const offersTokens = (p: Record<string, unknown>) => !Array.isArray(p.paths) || p.paths.includes('sts');
  const name = Object.entries(example.profiles).find(([, p]) => p.clients.includes(id) && offersTokens(p))?.[0];
  if (name === undefined) throw new Error(`${EXAMPLE_CONFIG_PATH}: no token (sts) profile for client ${id}`);
  return name;
})();

export const BENCH_CLIENT_ID = firstOidcClient().id;

/** A request the profile accepts: one file of an allowed type and size. */
export const REQUEST_BODY = JSON.stringify({ profile: BENCH_PROFILE, files: [{ name: 'me.png', size: 48211, contentType: 'image/png' }] });

/** Every role ARN the example's profiles assume (the STS emulator must know them). */
export const EXAMPLE_ROLES: string[] = Object.values(example.profiles).map((p) => p.roleArn);

const raiseLimits = (windows: WindowLimit[]): WindowLimit[] => windows.map((w) => ({ ...w, limit: NEVER_REFUSE }));
/** The schema's ceiling (2^46 bytes): one hot principal declares gigabytes per second in the best case. */
const NEVER_REFUSE_BYTES = 2 ** 46;
const raiseByteLimits = (windows: ByteWindowLimit[]): ByteWindowLimit[] => windows.map((w) => ({ ...w, limitBytes: NEVER_REFUSE_BYTES }));

/** The example's form callbacks need a grant key (BROKER_GRANT_KEY in production); the bench never posts a form. */
const GRANT_KEY = randomBytes(32).toString('base64');

/**
 * The `sts` section: the emulator on loopback. The one place that says how the bench reaches STS, so a change of
 * transport (e.g. HTTPS to the emulator) is made here and in bench/server.ts's parseConfig call only.
 */
function stsSection(stsPort: number, maxCallsPerSecond: number): Record<string, unknown> {
  return { ...example.sts, region: undefined, endpoint: `127.0.0.1:${stsPort}`, maxCallsPerSecond };
}

export interface BrokerConfigOptions {
  /** The oidc client config of the development issuer (same id as the example's). */
  devClient: Record<string, unknown>;
  stsPort: number;
  maxCallsPerSecond: number;
  redisUrl: string;
  keyPrefix: string;
  store: 'redis' | 'memory';
  cacheKey: string;
  logLevel: string;
  /** Overrides of the `cache` section (the refresh scenario shortens reuse). */
  cache?: Record<string, unknown>;
}

export function brokerConfig(options: BrokerConfigOptions): Record<string, unknown> {
  const profiles = Object.fromEntries(
    Object.entries(example.profiles).map(([name, profile]) => [
      name,
      profile.quota
        ? {
            ...profile,
            quota: {
              ...(profile.quota.perPrincipal ? { perPrincipal: raiseLimits(profile.quota.perPrincipal) } : {}),
              ...(profile.quota.bytesPerPrincipal ? { bytesPerPrincipal: raiseByteLimits(profile.quota.bytesPerPrincipal) } : {}),
            },
          }
        : profile,
    ]),
  );
  const clients = example.clients.map((c) => (c.id === BENCH_CLIENT_ID ? options.devClient : c));
  return {
    ...example,
    server: { ...example.server, host: '127.0.0.1', port: 0 },
    clients,
    profiles,
    sts: stsSection(options.stsPort, options.maxCallsPerSecond),
    redis: { ...example.redis, keyPrefix: options.keyPrefix, ...(options.store === 'redis' ? { url: options.redisUrl } : {}) },
    cache: { ...example.cache, encryptionKey: options.cacheKey, ...options.cache },
    rateLimits: Object.fromEntries(Object.entries(example.rateLimits).map(([k, w]) => [k, { ...w, limit: NEVER_REFUSE }])),
    uploads: { ...example.uploads, grantKey: GRANT_KEY },
    logLevel: options.logLevel,
  };
}
