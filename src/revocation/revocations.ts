/**
 * This replica's view of the revocations, and the operations an admin runs on them.
 *
 * The view is a map in memory, so the check on every caller request (cache hits included) is a lookup, never a
 * store round trip. It is kept current two ways: each change is announced on a channel (the view reloads at once),
 * and the version counter is polled every `pollIntervalMs` (so a missed announcement still converges within one
 * poll). The view remembers when it was last confirmed against the store; when that is longer ago than
 * `maxStalenessMs` (the store is unreachable or slow) the check refreshes first, and when it cannot, refuses with
 * 503 `store_unavailable`: a broker that cannot tell whether a caller is revoked does not issue.
 *
 * When a revocation first appears in the view, the principal's token cache entries are dropped (their keys come
 * from the store, recorded as they were served), on every replica: from this process's L1 and refresh-ahead, and
 * from the shared store.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BrokerError } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../shared/clock.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { errorMessage, silentLogger, type StoreLogger } from '../store/index.js';
import type { RevocationBackend, RevocationSnapshot } from './backend.js';
import {
  isActive,
  principalIdentity,
  targetIdentity,
  type HandedOutToken,
  type Revocation,
  type RevocationRequest,
  type RevocationTarget,
} from './types.js';

/** Hand-outs this replica has recorded already (principal, token, cache entry), so a cache hit writes nothing. */
const RECORDED_MAX = 10_000;
const WARN_INTERVAL_MS = 10_000;
/** Lapsed revocations deleted per sweep: one bounded script call, whatever an operator left behind. */
const SWEEP_BATCH = 100;

export interface RevocationsOptions {
  backend: RevocationBackend;
  clock: Clock;
  logger?: StoreLogger;
  /** How often the version is polled. Default 250 ms. */
  pollIntervalMs?: number;
  /** How old the view may be before the check must refresh it (or refuse). Default 1000 ms. */
  maxStalenessMs?: number;
  /** Drops these token cache entries from this process and the shared store (cache/token-cache.ts `drop`). */
  dropCached?: (cacheKeys: readonly string[]) => Promise<void>;
  /** How often this replica deletes lapsed revocations from the store. Default 60 s. */
  sweepIntervalMs?: number;
  /**
   * How long after its end a lapsed revocation is deleted. Default 60 s: a replica whose clock runs behind the
   * sweeping one's by less than this still holds the revocation until its own clock reaches `until`.
   */
  sweepGraceMs?: number;
  /** Told of each hand-out that could not be recorded (a metric; the request is refused). */
  onRecordFailed?: () => void;
}

/** What the broker handed out from one cache entry, as the issuing services report it. */
export interface HandOut {
  accessKeyId: string;
  expiresAt: number;
  profile: string;
  prefix: string;
  cacheKey: string;
}

export interface Revocations {
  /** Throws 403 `revoked` (or 503 `store_unavailable`); synchronous while the view is fresh. */
  assertNotRevoked(principal: Principal): void | Promise<void>;
  /**
   * Records a token handed to `principal`. Fails closed: when the record cannot be written it rejects with 503
   * `store_unavailable` and the caller must not hand the token out, so the admin list of a principal's
   * AccessKeyIds (what a bucket-policy Deny is built from) never misses a token that left the broker.
   */
  recordHandOut(principal: Principal, handOut: HandOut): Promise<void>;
  revoke(request: RevocationRequest, actor: string): Promise<Revocation>;
  /** The revocations in force, oldest first. */
  list(): Promise<Revocation[]>;
  /** The lifted revocation, or undefined when there is none with that id. */
  lift(id: string): Promise<Revocation | undefined>;
  tokens(target: RevocationTarget): Promise<HandedOutToken[]>;
  /** Brings the view up to date now. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export function createRevocations(options: RevocationsOptions): Revocations {
  const { backend, clock } = options;
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const maxStalenessMs = options.maxStalenessMs ?? 1000;
  const recorded = new ExpiringLru<true>(RECORDED_MAX, clock);
  const lastWarn = new Map<string, number>();
  const warn = (event: string, fields: Record<string, unknown>, msg: string): void => {
    const now = performance.now();
    if (now - (lastWarn.get(event) ?? -Infinity) < WARN_INTERVAL_MS) return;
    lastWarn.set(event, now);
    logger.warn({ event, ...fields }, msg);
  };

  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const sweepGraceMs = options.sweepGraceMs ?? 60_000;

  let version = -1;
  /** Every revocation of the last snapshot, lapsed ones included (what the sweep looks through). */
  let stored: readonly Revocation[] = [];
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let byIdentity = new Map<string, Revocation[]>();
  let known = new Set<string>();
  /** performance.now() at which the last successful poll was sent: the view holds everything stored by then. */
  let confirmedAt = Number.NEGATIVE_INFINITY;
  let polling: Promise<void> | undefined;

  async function dropCachedTokens(revocation: Revocation): Promise<void> {
    if (options.dropCached === undefined) return;
    try {
      const keys = await backend.cacheKeys(targetIdentity(revocation.principal), clock.now());
      if (keys.length > 0) await options.dropCached(keys);
    } catch (error) {
      warn('revocation.drop_failed', { err: errorMessage(error) }, 'could not drop a revoked principal’s cached tokens');
    }
  }

  function apply(snapshot: RevocationSnapshot): void {
    const next = new Map<string, Revocation[]>();
    const now = clock.now();
    for (const revocation of snapshot.revocations) {
      if (!isActive(revocation, now)) continue;
      const identity = targetIdentity(revocation.principal);
      next.set(identity, [...(next.get(identity) ?? []), revocation]);
      if (!known.has(revocation.id)) void dropCachedTokens(revocation);
    }
    byIdentity = next;
    stored = snapshot.revocations;
    known = new Set(snapshot.revocations.map((r) => r.id));
    version = snapshot.version;
  }

  async function pollOnce(): Promise<void> {
    const sentAt = performance.now();
    const current = await backend.version();
    if (current !== version) apply(await backend.load());
    confirmedAt = Math.max(confirmedAt, sentAt);
  }

  function refresh(): Promise<void> {
    polling ??= pollOnce().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  /**
   * Deletes revocations that ended more than `sweepGraceMs` ago from the store, at most SWEEP_BATCH per
   * `sweepIntervalMs`. Every replica sweeps; deleting is idempotent and bumps the version only when something went,
   * so replicas sweeping at once do no harm. Lapsed revocations are never in force nor listed either way: this only
   * keeps the hash (read whole on every change) from growing.
   */
  async function sweepLapsed(): Promise<void> {
    const now = clock.now();
    if (now - lastSweepAt < sweepIntervalMs) return;
    lastSweepAt = now;
    const lapsed = stored
      .filter((r) => r.until !== null && Date.parse(r.until) <= now - sweepGraceMs)
      .slice(0, SWEEP_BATCH)
      .map((r) => r.id);
    if (lapsed.length === 0) return;
    const removed = await backend.removeLapsed(lapsed);
    if (removed > 0) logger.info?.({ event: 'revocation.lapsed_removed', count: removed }, 'lapsed revocations deleted');
  }

  const tick = (): void => {
    refresh().then(
      () =>
        sweepLapsed().catch((error: unknown) =>
          warn('revocation.sweep_failed', { err: errorMessage(error) }, 'could not delete lapsed revocations'),
        ),
      (error: unknown) => warn('revocation.poll_failed', { err: errorMessage(error) }, 'could not read revocations'),
    );
  };
  backend.onChange(tick);
  const timer = setInterval(tick, pollIntervalMs);
  timer.unref();
  tick();

  function check(principal: Principal): void {
    if (isRevoked(principal)) throw new BrokerError('revoked', 'access for this caller has been revoked by an administrator');
  }

  function isRevoked(principal: Principal): boolean {
    const revocations = byIdentity.get(principalIdentity(principal));
    const now = clock.now();
    return revocations?.some((r) => isActive(r, now)) === true;
  }

  async function checkAfterRefresh(principal: Principal): Promise<void> {
    try {
      await refresh();
    } catch (error) {
      throw new BrokerError('store_unavailable', 'cannot tell whether this caller is revoked; try again shortly', {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
    // A poll that took longer than the staleness bound is not fresh enough either.
    if (performance.now() - confirmedAt > maxStalenessMs) {
      throw new BrokerError('store_unavailable', 'revocations could not be confirmed in time; try again shortly', { retryAfterSeconds: 1 });
    }
    check(principal);
  }

  return {
    assertNotRevoked(principal) {
      if (performance.now() - confirmedAt > maxStalenessMs) return checkAfterRefresh(principal);
      check(principal);
    },

    async recordHandOut(principal, handOut) {
      // A request that passed the check just before a revocation arrived still hands its token out, and its cache
      // key is touched again after the revocation dropped it: drop it once more, so neither the cache nor
      // refresh-ahead keeps a revoked principal's token.
      if (isRevoked(principal) && options.dropCached !== undefined) {
        await options.dropCached([handOut.cacheKey]).catch((error: unknown) => {
          warn('revocation.drop_failed', { err: errorMessage(error) }, 'could not drop a revoked principal’s cached tokens');
        });
      }
      const identity = principalIdentity(principal);
      const memo = `${identity}\n${handOut.accessKeyId}\n${handOut.cacheKey}`;
      if (recorded.get(memo) !== undefined) return;
      const token: HandedOutToken = {
        accessKeyId: handOut.accessKeyId,
        expiration: new Date(handOut.expiresAt).toISOString(),
        profile: handOut.profile,
        prefix: handOut.prefix,
      };
      try {
        await backend.recordHandOut(identity, token, handOut.cacheKey, handOut.expiresAt, clock.now());
        recorded.set(memo, true, handOut.expiresAt);
      } catch (error) {
        options.onRecordFailed?.();
        warn('revocation.record_failed', { err: errorMessage(error) }, 'could not record a handed-out AccessKeyId; not handing it out');
        throw new BrokerError('store_unavailable', 'could not record the credentials handed out; try again shortly', {
          retryAfterSeconds: 1,
          cause: error,
        });
      }
    },

    async revoke(request, actor) {
      const now = clock.now();
      if (request.until !== undefined && Date.parse(request.until) <= now) {
        throw new BrokerError('invalid_request', '`until` must be in the future');
      }
      const revocation: Revocation = {
        id: `rv_${randomBytes(12).toString('base64url')}`,
        principal: request.principal,
        reason: request.reason,
        until: request.until === undefined ? null : new Date(request.until).toISOString(),
        createdAt: new Date(now).toISOString(),
        createdBy: actor,
      };
      await backend.add(revocation);
      // This replica applies it (and drops the cached tokens) before answering; the others follow.
      await refresh().catch(() => undefined);
      return revocation;
    },

    async list() {
      const now = clock.now();
      const { revocations } = await backend.load();
      return revocations.filter((r) => isActive(r, now)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async lift(id) {
      const { revocations } = await backend.load();
      const found = revocations.find((r) => r.id === id);
      if (found === undefined || !(await backend.remove(id))) return undefined;
      await refresh().catch(() => undefined);
      return found;
    },

    async tokens(target) {
      return backend.tokens(targetIdentity(target), clock.now());
    },

    refresh,

    async close() {
      clearInterval(timer);
      await backend.close();
    },
  };
}
