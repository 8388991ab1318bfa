/**
 * Per-IP and per-principal request rate limits: fixed windows counted in the shared store
 * (KeyValueStore.incrementWindow: one single-key script each, so valid in Redis Cluster, where the two keys live in
 * different slots). express-rate-limit ran them as two sequential round trips plus its own per-request work; here
 * the per-IP count starts first and is not awaited, authentication runs while it is in flight, and the
 * per-principal count follows on the same connection, so both cost one round trip (guard-chain.ts keeps the order
 * of refusals: a request over its IP limit is refused as `limit: ip` whatever happens after).
 *
 * An unauthenticated flood is still counted per IP on every request, before JWT verification ends; once Redis says
 * an address is over its limit, this replica refuses that address for the rest of the window at once, before
 * verifying any token and without a store call (a refusal only: it can never allow more).
 *
 * Fail closed (README security property 6): a store error is a refusal; the problem handler maps it to 503
 * `store_unavailable`. Nothing here lets a request through when the store cannot count it.
 */
import type { RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { BrokerError } from '../errors.js';
import type { KeyValueStore } from '../store/types.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey } from '../auth/index.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { deferVerdict, settleDeferredVerdicts } from './guard-chain.js';

/** Addresses known to be over their limit, per replica; bounded so a spoofed-address flood cannot grow it. */
const REFUSED_IPS_MAX = 10_000;

interface Window {
  limit: number;
  windowSeconds: number;
}

interface Limiter {
  readonly name: 'ip' | 'principal';
  /** Counts one request; rejects with 429 `rate_limited` (or a store error) when it may not go on. */
  count(key: string, res: Response): Promise<{ remaining: number; resetInMs: number }>;
  refusal(resetInMs: number, res: Response): BrokerError;
  setHeaders(res: Response, remaining: number, resetInMs: number): void;
}

function limiter(store: KeyValueStore, name: 'ip' | 'principal', window: Window, describe: string): Limiter {
  const windowMs = window.windowSeconds * 1000;
  const prefix = `rl:${name}:`;
  const policy = `${window.limit};w=${window.windowSeconds}`;
  /** The IETF draft-7 headers express-rate-limit sent (`standardHeaders: 'draft-7'`). */
  const setHeaders = (res: Response, remaining: number, resetInMs: number) => {
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `limit=${window.limit}, remaining=${remaining}, reset=${Math.max(0, Math.ceil(resetInMs / 1000))}`);
  };
  const self: Limiter = {
    name,
    async count(key, res) {
      const { count, resetInMs } = await store.incrementWindow(prefix + key, windowMs);
      if (count > window.limit) throw self.refusal(resetInMs, res);
      return { remaining: window.limit - count, resetInMs };
    },
    refusal(resetInMs, res) {
      setHeaders(res, 0, resetInMs);
      return new BrokerError('rate_limited', `too many requests ${describe}; limit ${window.limit} per ${window.windowSeconds}s`, {
        retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)),
        extensions: { limit: name },
      });
    },
    setHeaders,
  };
  return self;
}

export function perIpLimit(store: KeyValueStore, config: Readonly<BrokerConfig>, clock: Clock = systemClock): RequestHandler {
  const ip = limiter(store, 'ip', config.rateLimits.perIp, 'from this address');
  const refusedUntil = new ExpiringLru<number>(REFUSED_IPS_MAX, clock);
  return function limitPerIp(req, res, next) {
    const key = ipKeyGenerator(req.ip ?? 'unknown');
    const until = refusedUntil.get(key);
    if (until !== undefined) {
      next(ip.refusal(until - clock.now(), res));
      return;
    }
    const verdict = ip.count(key, res).then(
      // The per-IP figures until the caller is known (a refusal by authentication carries these); the
      // per-principal limit overwrites them once it has counted.
      ({ remaining, resetInMs }) => {
        if (!res.hasHeader('RateLimit')) ip.setHeaders(res, remaining, resetInMs);
      },
      (error: unknown) => {
        if (error instanceof BrokerError && error.code === 'rate_limited') {
          const resetAt = clock.now() + (error.retryAfterSeconds ?? 1) * 1000;
          refusedUntil.set(key, resetAt, resetAt);
        }
        throw error;
      },
    );
    deferVerdict(req, verdict);
    next();
  };
}

export function perPrincipalLimit(store: KeyValueStore, config: Readonly<BrokerConfig>): RequestHandler {
  const principal = limiter(store, 'principal', config.rateLimits.perPrincipal, 'for this caller');
  return async function limitPerPrincipal(req, res, next) {
    try {
      // Started before the per-IP verdict is awaited, so both counts share one round trip.
      const counted = principal.count(req.principal ? principalKey(req.principal) : 'anonymous', res);
      deferVerdict(
        req,
        counted.then(() => undefined),
      );
      await settleDeferredVerdicts(req);
      // The per-principal figures, as before (express-rate-limit's second limiter overwrote the first's headers).
      const { remaining, resetInMs } = await counted;
      principal.setHeaders(res, remaining, resetInMs);
      next();
    } catch (error) {
      next(error);
    }
  };
}
