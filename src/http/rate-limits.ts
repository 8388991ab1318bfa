/**
 * Per-IP and per-principal request rate limits, with authentication between them, as one guard: count the address,
 * authenticate, count the caller. Fixed windows counted in the shared store (KeyValueStore.incrementWindow: one
 * single-key script each, so valid in Redis Cluster, where the two keys live in different slots).
 *
 * One step rather than three guards so that the order of refusals is written in one place and no verdict outlives
 * the step: the per-IP count goes out first and is not awaited until authentication has run, the per-principal
 * count follows on the same connection, so both cost one round trip; then the verdicts are read in order. A request
 * over its IP limit is refused as `limit: ip` whatever authentication said (a credential guesser is limited like
 * anyone else); then an authentication failure; then the caller's own limit. Everything this step writes to the
 * response (the RateLimit headers) is written before it hands the request on, so nothing is ever written to an
 * answer that was already sent.
 *
 * Once Redis says an address is over its limit, this replica refuses that address for the rest of the window at
 * once, on every route, before authenticating and without a store call (a refusal only: it can never allow more).
 *
 * Fail closed (README security property 6): a store error is a refusal; the problem handler maps it to 503
 * `store_unavailable`. Nothing here lets a request through when the store cannot count it.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { BrokerError } from '../errors.js';
import type { KeyValueStore } from '../store/types.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey, type Principal } from '../auth/index.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { systemClock, type Clock } from '../shared/clock.js';

/** Addresses known to be over their limit, per replica; bounded so a spoofed-address flood cannot grow it. */
const REFUSED_IPS_MAX = 10_000;

/** Who the caller is, from the request; throws (a BrokerError, usually 401) when it cannot say. */
export type Authenticate = (req: Request) => Principal | Promise<Principal>;

/** The guard of a route: count the address, run `authenticate`, count the caller; sets `req.principal`. */
export type LimitedAuthentication = (authenticate: Authenticate) => RequestHandler;

interface Window {
  limit: number;
  windowSeconds: number;
}

interface Counted {
  count: number;
  resetInMs: number;
}

function limiter(store: KeyValueStore, name: 'ip' | 'principal', window: Window, describe: string) {
  const windowMs = window.windowSeconds * 1000;
  const prefix = `rl:${name}:`;
  const policy = `${window.limit};w=${window.windowSeconds}`;
  /** The IETF draft-7 headers express-rate-limit sent (`standardHeaders: 'draft-7'`). */
  const setHeaders = (res: Response, remaining: number, resetInMs: number): void => {
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `limit=${window.limit}, remaining=${remaining}, reset=${Math.max(0, Math.ceil(resetInMs / 1000))}`);
  };
  return {
    count: (key: string): Promise<Counted> => store.incrementWindow(prefix + key, windowMs),
    allows: ({ count }: Counted): boolean => count <= window.limit,
    setHeaders: (res: Response, { count, resetInMs }: Counted): void => setHeaders(res, Math.max(0, window.limit - count), resetInMs),
    /** The refusal, and its headers (no request left in this window). */
    refuse(res: Response, resetInMs: number): BrokerError {
      setHeaders(res, 0, resetInMs);
      return new BrokerError('rate_limited', `too many requests ${describe}; limit ${window.limit} per ${window.windowSeconds}s`, {
        retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)),
        extensions: { limit: name },
      });
    },
  };
}

/** Awaited later; until then, a rejection that comes early must not count as an unhandled one. */
function inFlight<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The limits of one app (one memo of refused addresses for all its routes). Returns the guard factory: each route
 * passes the way it authenticates.
 */
export function rateLimits(store: KeyValueStore, config: Readonly<BrokerConfig>, clock: Clock = systemClock): LimitedAuthentication {
  const ip = limiter(store, 'ip', config.rateLimits.perIp, 'from this address');
  const principal = limiter(store, 'principal', config.rateLimits.perPrincipal, 'for this caller');
  const refusedUntil = new ExpiringLru<number>(REFUSED_IPS_MAX, clock);

  const refuseIp = (res: Response, address: string, resetInMs: number): BrokerError => {
    const resetAt = clock.now() + resetInMs;
    refusedUntil.set(address, resetAt, resetAt);
    return ip.refuse(res, resetInMs);
  };

  return (authenticate) =>
    async function limitAuthenticateLimit(req, res, next) {
      const address = ipKeyGenerator(req.ip ?? 'unknown');
      const until = refusedUntil.get(address);
      // A refusal is thrown: Express 5 passes the rejected promise to the error handlers
      // (https://expressjs.com/en/guide/migrating-5.html#rejected-promises), store failures included.
      if (until !== undefined) throw ip.refuse(res, until - clock.now());
      // Both counts in flight together: authentication runs while the per-IP count is on its way.
      const byIp = inFlight(ip.count(address));
      let caller: Principal | undefined;
      let authFailure: unknown;
      try {
        caller = await authenticate(req);
      } catch (error) {
        authFailure = error;
      }
      const byCaller = caller === undefined ? undefined : inFlight(principal.count(principalKey(caller)));

      // The verdicts in order; the first refusal wins.
      const ipCounted = await byIp;
      if (!ip.allows(ipCounted)) throw refuseIp(res, address, ipCounted.resetInMs);
      // The per-IP figures until the caller is known (a refusal by authentication carries these).
      ip.setHeaders(res, ipCounted);
      if (caller === undefined || byCaller === undefined) {
        throw authFailure ?? new BrokerError('unauthenticated', 'authentication required');
      }
      const callerCounted = await byCaller;
      // The per-principal figures from here on, refused or not.
      principal.setHeaders(res, callerCounted);
      if (!principal.allows(callerCounted)) throw principal.refuse(res, callerCounted.resetInMs);
      req.principal = caller;
      next();
    };
}
