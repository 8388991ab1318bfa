/**
 * The byte quota under contention, against the real Redis: many grants at once, from several connections (as
 * several replicas would send them), never reserve more than the window. Bounded: a fixed number of requests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisByteLedger } from '../../src/quotas/redis-byte-ledger.js';
import { systemClock } from '../../src/shared/clock.js';
import { redisScope } from '../store/helpers.js';

const scope = redisScope('byte-race');
afterAll(() => scope.cleanup());

const LIMIT = 1000;
const GRANTS = 200;
const CONNECTIONS = 8;

describe('byte quota race', () => {
  it(`${GRANTS} concurrent grants of 7 bytes never reserve more than ${LIMIT} bytes`, async () => {
    const ledgers = await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => new RedisByteLedger(await scope.store(), systemClock)),
    );
    const who = { profile: 'uploads', principalKey: 'web:acme:racer', windows: [{ limitBytes: LIMIT, windowSeconds: 3600 }] };
    const expiresAt = Date.now() + 3600_000;
    const decisions = await Promise.all(
      Array.from({ length: GRANTS }, (_, i) =>
        ledgers[i % CONNECTIONS]!.reserve(who, [{ id: `g${i}`, bytes: 7, expiresAt, settle: i % 2 === 0 ? 'callback' : 'now' }]),
      ),
    );
    const allowed = decisions.filter((d) => d.allowed).length;
    expect(allowed).toBe(Math.floor(LIMIT / 7));
    const [usage] = await ledgers[0]!.usage(who);
    expect(usage!.usedBytes + usage!.reservedBytes).toBe(allowed * 7);
    expect(usage!.usedBytes + usage!.reservedBytes).toBeLessThanOrEqual(LIMIT);
  });
});
