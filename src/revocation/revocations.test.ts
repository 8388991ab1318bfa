import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { BrokerError } from '../errors.js';
import { StoreUnavailableError } from '../store/types.js';
import type { RevocationBackend } from './backend.js';
import { createMemoryRevocationBackend } from './memory-backend.js';
import { createRevocations } from './revocations.js';

const alice: Principal = { kind: 'user', clientId: 'web', subject: 'alice', tenant: 'acme', claims: {} };
const aliceOtherClient: Principal = { ...alice, clientId: 'mobile' };
const partner: Principal = { kind: 'partner', clientId: 'p', subject: 'pk_1234', tenant: 'acme', claims: {} };
/** A partner whose key id happens to equal a user's subject in the same tenant. */
const lookalike: Principal = { kind: 'partner', clientId: 'p', subject: 'alice', tenant: 'acme', claims: {} };

/** The memory backend, with a switch that makes every call fail as an unreachable Redis would. */
function switchable(): RevocationBackend & { down: boolean; writes: number; swept: string[][] } {
  const inner = createMemoryRevocationBackend();
  const fail = () => Promise.reject(new StoreUnavailableError('down'));
  const backend: RevocationBackend & { down: boolean; writes: number; swept: string[][] } = {
    down: false,
    writes: 0,
    swept: [],
    version: () => (backend.down ? fail() : inner.version()),
    load: () => (backend.down ? fail() : inner.load()),
    add: (r) => inner.add(r),
    remove: (id) => inner.remove(id),
    removeLapsed: (ids) => {
      backend.swept.push([...ids]);
      return backend.down ? fail() : inner.removeLapsed(ids);
    },
    onChange: (l) => inner.onChange(l),
    recordHandOut: (...args) => {
      backend.writes += 1;
      return backend.down ? fail() : inner.recordHandOut(...args);
    },
    tokens: (...args) => inner.tokens(...args),
    cacheKeys: (...args) => inner.cacheKeys(...args),
    close: () => inner.close(),
  };
  return backend;
}

async function outcome(check: () => void | Promise<void>): Promise<string> {
  try {
    await check();
    return 'allowed';
  } catch (error) {
    return (error as BrokerError).code;
  }
}

async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('revocations', () => {
  it('matches a user across clients, and a partner only by its key id', async () => {
    const backend = switchable();
    const revocations = createRevocations({ backend, clock: { now: () => Date.now() } });
    await revocations.revoke({ principal: { tenant: 'acme', sub: 'alice' }, reason: 'x' }, 'admin');
    expect(await outcome(() => revocations.assertNotRevoked(alice))).toBe('revoked');
    expect(await outcome(() => revocations.assertNotRevoked(aliceOtherClient))).toBe('revoked');
    expect(await outcome(() => revocations.assertNotRevoked(lookalike))).toBe('allowed');
    expect(await outcome(() => revocations.assertNotRevoked(partner))).toBe('allowed');
    await revocations.revoke({ principal: { apiKeyId: 'pk_1234' }, reason: 'x' }, 'admin');
    expect(await outcome(() => revocations.assertNotRevoked(partner))).toBe('revoked');
    await revocations.close();
  });

  it('answers from memory while fresh, and refuses with store_unavailable once it cannot confirm its view', async () => {
    const backend = switchable();
    const revocations = createRevocations({ backend, clock: { now: () => Date.now() }, pollIntervalMs: 10, maxStalenessMs: 100 });
    await revocations.refresh();
    expect(revocations.assertNotRevoked(alice)).toBeUndefined(); // synchronous: no store call on the way
    backend.down = true;
    await eventually(
      'refused while the store is down',
      async () => (await outcome(() => revocations.assertNotRevoked(alice))) === 'store_unavailable',
    );
    backend.down = false;
    await eventually(
      'allowed again once the store is back',
      async () => (await outcome(() => revocations.assertNotRevoked(alice))) === 'allowed',
    );
    await revocations.close();
  });

  it('lets a revocation with an end lapse, and lists only those in force', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const revocations = createRevocations({ backend: switchable(), clock: { now: () => now } });
    const r = await revocations.revoke(
      { principal: { tenant: 'acme', sub: 'alice' }, reason: 'x', until: '2030-01-01T00:10:00Z' },
      'admin',
    );
    expect(r.until).toBe('2030-01-01T00:10:00.000Z');
    expect(await outcome(() => revocations.assertNotRevoked(alice))).toBe('revoked');
    now += 10 * 60 * 1000;
    expect(await outcome(() => revocations.assertNotRevoked(alice))).toBe('allowed');
    expect(await revocations.list()).toEqual([]);
    await revocations.close();
  });

  it('records a hand-out once per replica, and drops the cache entries of a newly revoked principal', async () => {
    const backend = switchable();
    const dropped: string[][] = [];
    const revocations = createRevocations({
      backend,
      clock: { now: () => Date.now() },
      dropCached: async (keys) => void dropped.push([...keys]),
    });
    const handOut = { accessKeyId: 'STS.1', expiresAt: Date.now() + 60_000, profile: 'uploads', prefix: 'u/acme/alice/', cacheKey: 'k1' };
    await revocations.recordHandOut(alice, handOut);
    await revocations.recordHandOut(alice, handOut);
    expect(backend.writes).toBe(1);
    expect(await revocations.tokens({ tenant: 'acme', sub: 'alice' })).toEqual([
      { accessKeyId: 'STS.1', expiration: new Date(handOut.expiresAt).toISOString(), profile: 'uploads', prefix: 'u/acme/alice/' },
    ]);
    await revocations.revoke({ principal: { tenant: 'acme', sub: 'alice' }, reason: 'x' }, 'admin');
    await eventually('the cache entries dropped', async () => dropped.length === 1);
    expect(dropped).toEqual([['k1']]);
    await revocations.close();
  });

  it('drops the cache entry of a token handed out just after the revocation arrived (the request had passed the check)', async () => {
    const dropped: string[][] = [];
    const revocations = createRevocations({
      backend: switchable(),
      clock: { now: () => Date.now() },
      dropCached: async (keys) => void dropped.push([...keys]),
    });
    await revocations.revoke({ principal: { tenant: 'acme', sub: 'alice' }, reason: 'x' }, 'admin');
    await eventually('the revocation applied', async () => (await outcome(() => revocations.assertNotRevoked(alice))) === 'revoked');
    dropped.length = 0;
    const late = { accessKeyId: 'STS.2', expiresAt: Date.now() + 60_000, profile: 'uploads', prefix: 'u/acme/alice/', cacheKey: 'k-late' };
    await revocations.recordHandOut(alice, late);
    expect(dropped).toEqual([['k-late']]);
    await revocations.recordHandOut({ ...alice, subject: 'bob' }, { ...late, cacheKey: 'k-bob' });
    expect(dropped).toEqual([['k-late']]);
    await revocations.close();
  });

  it('deletes lapsed revocations from the store after the grace period, a bounded batch per sweep', async () => {
    const backend = switchable();
    let now = Date.parse('2030-01-01T00:00:00Z');
    const revocations = createRevocations({
      backend,
      clock: { now: () => now },
      pollIntervalMs: 5,
      sweepIntervalMs: 1000,
      sweepGraceMs: 60_000,
    });
    const ending = await revocations.revoke(
      { principal: { tenant: 'acme', sub: 'alice' }, reason: 'x', until: '2030-01-01T00:10:00Z' },
      'admin',
    );
    const lasting = await revocations.revoke({ principal: { tenant: 'acme', sub: 'bob' }, reason: 'x' }, 'admin');
    // Lapsed but within the grace period: no longer in force or listed, still stored.
    now = Date.parse('2030-01-01T00:10:30Z');
    expect(await outcome(() => revocations.assertNotRevoked(alice))).toBe('allowed');
    expect((await revocations.list()).map((r) => r.id)).toEqual([lasting.id]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await backend.load()).revocations.map((r) => r.id).sort()).toEqual([ending.id, lasting.id].sort());
    // Past the grace period: the next sweep deletes it, and only it.
    now = Date.parse('2030-01-01T00:11:01Z');
    await eventually('the lapsed revocation deleted', async () => (await backend.load()).revocations.length === 1);
    expect((await backend.load()).revocations.map((r) => r.id)).toEqual([lasting.id]);
    expect(backend.swept).toEqual([[ending.id]]);
    expect(await outcome(() => revocations.assertNotRevoked({ ...alice, subject: 'bob' }))).toBe('revoked');
    await revocations.close();
  });

  it('refuses to hand a token out when its AccessKeyId cannot be recorded, and counts it', async () => {
    const backend = switchable();
    let failures = 0;
    const revocations = createRevocations({ backend, clock: { now: () => Date.now() }, onRecordFailed: () => (failures += 1) });
    await revocations.refresh();
    backend.down = true;
    const handOut = { accessKeyId: 'STS.3', expiresAt: Date.now() + 60_000, profile: 'uploads', prefix: 'u/acme/alice/', cacheKey: 'k3' };
    expect(await outcome(() => revocations.recordHandOut(alice, handOut))).toBe('store_unavailable');
    expect(failures).toBe(1);
    // Not remembered as recorded: the next hand-out of the same token tries again, and succeeds once the store is back.
    backend.down = false;
    expect(await outcome(() => revocations.recordHandOut(alice, handOut))).toBe('allowed');
    expect((await revocations.tokens({ tenant: 'acme', sub: 'alice' })).map((t) => t.accessKeyId)).toEqual(['STS.3']);
    await revocations.close();
  });
});
