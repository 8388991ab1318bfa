/**
 * Rules that need more than one field at a time. Each returns problems as `<field path>: <what is wrong>`, so the
 * operator is told which line of the file to change. The profiles are checked in profiles/check-profiles.ts (they
 * need the rules and the policy builder); the loader (runtime/load-config.ts) reports both together.
 */
import type { BrokerConfig } from './schema.js';
import { redisTopology } from './redis-topology.js';

/**
 * What a development entry point (local mode, tests) may relax, passed in code and never read from a file: a
 * configuration file always gets the production rules, so no YAML setting can switch them off.
 */
export interface DevelopmentRelaxations {
  /** Run on the in-memory store when no Redis is configured (one process only). */
  memoryStore?: boolean;
  /**
   * Allow a reuse window shorter than the floor (see cacheProblems). Only the benchmark sets it, to make a token
   * cross its refresh point seconds into a run; production files always get the check.
   */
  shortReuseWindow?: boolean;
}

function clientProblems(config: BrokerConfig): string[] {
  const problems: string[] = [];
  const clientIds = new Set<string>();
  const keyIds = new Set<string>();
  // A credentials URL id may not be any API key's id either: both are looked up by id.
  const allKeyIds = new Set(config.clients.flatMap((c) => (c.type === 'apiKey' ? c.keys.map((k) => k.id) : [])));
  const urlIds = new Set<string>();
  config.clients.forEach((client, i) => {
    if (clientIds.has(client.id)) problems.push(`clients[${i}].id: duplicate client id "${client.id}"`);
    clientIds.add(client.id);
    if (client.type !== 'apiKey') return;
    client.keys.forEach((key, k) => {
      if (keyIds.has(key.id)) problems.push(`clients[${i}].keys[${k}].id: duplicate API key id "${key.id}"`);
      keyIds.add(key.id);
    });
    client.credentialUrls.forEach((url, u) => {
      if (urlIds.has(url.id) || allKeyIds.has(url.id)) {
        problems.push(`clients[${i}].credentialUrls[${u}].id: "${url.id}" is already used by another key or URL`);
      }
      urlIds.add(url.id);
    });
  });
  return problems;
}

/** The problem when no Redis is configured and no entry point relaxed that in code (runtime/build-deps.ts too). */
export const REDIS_REQUIRED = 'redis.url: required (set it, BROKER_REDIS_URL, sentinels or cluster); replicas must share one store';

function redisProblems(config: BrokerConfig, relax: DevelopmentRelaxations): string[] {
  const problems: string[] = [];
  const redis = config.redis;
  if (redis.cluster !== undefined && redis.sentinels !== undefined) {
    problems.push('redis.cluster: set either cluster or sentinels, not both');
  }
  if (redis.sentinels !== undefined && redis.sentinelName === undefined) {
    problems.push('redis.sentinelName: required with redis.sentinels (the name of the monitored master)');
  }
  if (redis.sentinelName !== undefined && redis.sentinels === undefined) {
    problems.push('redis.sentinelName: only used with redis.sentinels; list the Sentinel nodes there');
  }
  if (redisTopology(redis) === 'none' && !relax.memoryStore) {
    problems.push(REDIS_REQUIRED);
  }
  return problems;
}

/**
 * The smallest reuse window a token may have, as a share of its life. A cached token is served while it has more
 * than `minRemainingSeconds` left, so it is reusable for `durationSeconds - minRemainingSeconds`. A client that
 * follows the broker's promise refreshes before `minRemainingSeconds` have passed; if the reuse window is shorter
 * than that, every refresh finds the token unusable and costs an AssumeRole, and the cache saves nothing (with
 * `minRemainingSeconds >= durationSeconds` not even two identical requests a second apart share a token). Requiring
 * the window to be at least the floor (minRemainingSeconds <= durationSeconds / 2) means such a client is served
 * from the cache at least every other refresh, and concurrent callers always share.
 */
function cacheProblems(config: BrokerConfig, relax: DevelopmentRelaxations): string[] {
  const problems: string[] = [];
  const { encryptionKey, minRemainingSeconds } = config.cache;
  if (encryptionKey === undefined) {
    problems.push('cache.encryptionKey: required (BROKER_CACHE_KEY or BROKER_CACHE_KEY_FILE); never generated');
  } else if (Buffer.from(encryptionKey, 'base64').length !== 32) {
    problems.push('cache.encryptionKey: must be 32 bytes, base64-encoded');
  }
  for (const [name, profile] of Object.entries(config.profiles)) {
    const reuse = profile.durationSeconds - minRemainingSeconds;
    if (reuse < minRemainingSeconds && !relax.shortReuseWindow) {
      problems.push(
        `cache.minRemainingSeconds: ${minRemainingSeconds} leaves profile "${name}" (durationSeconds ` +
          `${profile.durationSeconds}) a reuse window of ${Math.max(0, reuse)} s, shorter than the floor itself, so ` +
          `its tokens are almost never reused; set it to at most ${Math.floor(profile.durationSeconds / 2)} or raise ` +
          `profiles.${name}.durationSeconds to at least ${2 * minRemainingSeconds}`,
      );
    }
  }
  return problems;
}

/** Form uploads: a callback's `x:grant` needs the broker's MAC key, which is never generated. */
function uploadProblems(config: BrokerConfig): string[] {
  const problems: string[] = [];
  const needsGrantKey = Object.entries(config.profiles).find(([, p]) => p.postPolicy?.callback !== undefined)?.[0];
  if (needsGrantKey !== undefined && config.uploads.grantKey === undefined) {
    problems.push(
      `uploads.grantKey: required by profiles.${needsGrantKey}.postPolicy.callback (BROKER_GRANT_KEY or BROKER_GRANT_KEY_FILE)`,
    );
  }
  if (config.uploads.grantKey !== undefined && Buffer.from(config.uploads.grantKey, 'base64').length < 32) {
    problems.push('uploads.grantKey: must be at least 32 bytes, base64-encoded');
  }
  return problems;
}

export const ADMIN_KEY_REQUIRED =
  'server.adminKeySha256: required with server.adminPort, or server.adminKeys (BROKER_ADMIN_KEY_SHA256, BROKER_ADMIN_KEYS) ' +
  'or server.adminOidc';

const audiences = (audience: string | readonly string[]): readonly string[] => (typeof audience === 'string' ? [audience] : audience);

/**
 * The admin API's tokens need an audience of their own: were a user client to accept the same issuer and audience,
 * the only thing between an app user's token and the admin API would be the required claim.
 */
function adminOidcProblems(config: BrokerConfig): string[] {
  const admin = config.server.adminOidc;
  if (admin === undefined) return [];
  const adminAudiences = audiences(admin.audience);
  const problems: string[] = [];
  config.clients.forEach((client, i) => {
    if (client.type !== 'oidc' || client.issuer !== admin.issuer) return;
    const shared = audiences(client.audience).filter((a) => adminAudiences.includes(a));
    if (shared.length > 0) {
      problems.push(
        `server.adminOidc.audience: clients[${i}] (${client.id}) accepts the same issuer and audience ${shared.join(', ')}; ` +
          "give the admin API an audience of its own, so no user's token is one it accepts",
      );
    }
  });
  return problems;
}

export function crossCheck(config: BrokerConfig, relax: DevelopmentRelaxations): string[] {
  const problems = [
    ...clientProblems(config),
    ...redisProblems(config, relax),
    ...cacheProblems(config, relax),
    ...uploadProblems(config),
    ...adminOidcProblems(config),
  ];
  const { port, metricsPort, adminPort, adminKeySha256, adminKeys, adminOidc } = config.server;
  if (metricsPort === port) problems.push('server.metricsPort: must differ from server.port');
  if (adminPort !== undefined) {
    // Port 0 (any free port, for tests) cannot collide.
    if (adminPort !== 0 && adminPort === port)
      problems.push('server.adminPort: must differ from server.port; the admin API is never public');
    if (adminPort !== 0 && adminPort === metricsPort) problems.push('server.adminPort: must differ from server.metricsPort');
    if (adminKeySha256 === undefined && adminKeys === undefined && adminOidc === undefined) {
      problems.push(ADMIN_KEY_REQUIRED);
    }
  }
  // The unnamed key acts as "admin": a named key of that name would make the audit trail ambiguous.
  adminKeys?.forEach((key, i) => {
    if (adminKeySha256 !== undefined && key.name === 'admin') {
      problems.push(`server.adminKeys[${i}].name: "admin" is the name of server.adminKeySha256; choose another`);
    }
    if (key.sha256 === adminKeySha256) problems.push(`server.adminKeys[${i}].sha256: the same key as server.adminKeySha256`);
  });
  return problems;
}
