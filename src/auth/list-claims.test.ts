/** List claims as the verifier reads them from a verified payload (claims.ts): shape only, values are the rules'. */
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../dev/testing/errors.js';
import { clientSchema, type OidcClientConfig } from '../config/schema.js';
import { principalFromPayload } from './claims.js';

const client = clientSchema.parse({
  id: 'web',
  type: 'oidc',
  issuer: 'https://idp.test/',
  audience: 'a',
  jwksUri: 'https://idp.test/jwks',
  tenantClaim: 'tenant',
  listClaims: ['groups', 'cognito:groups'],
}) as OidcClientConfig;
const base = { sub: 'alice', tenant: 'acme' };
const lists = (payload: Record<string, unknown>) => principalFromPayload(client, { ...base, ...payload }).listClaims;

describe('list claims in the principal', () => {
  it('keeps an array of strings as the token has it (order, duplicates and empty values: the rules judge)', () => {
    expect(lists({ groups: ['ops', 'design', 'ops', ''] })?.groups).toEqual(['ops', 'design', 'ops', '']);
  });

  it('reads a claim named with a colon (Amazon Cognito)', () => {
    expect(lists({ 'cognito:groups': ['admins'] })?.['cognito:groups']).toEqual(['admins']);
  });

  it('reads a single string as one value, and numbers as their decimal text', () => {
    expect(lists({ groups: 'ops' })?.groups).toEqual(['ops']);
    expect(lists({ groups: [42, 'ops'] })?.groups).toEqual(['42', 'ops']);
  });

  it('reads an absent or null claim as no values', () => {
    expect(lists({})).toEqual({ groups: [], 'cognito:groups': [] });
    expect(lists({ groups: null })?.groups).toEqual([]);
  });

  it.each([
    ['an object', { a: 1 }],
    ['a boolean', true],
    ['an array holding an object', ['ops', { name: 'x' }]],
    ['an array holding null', ['ops', null]],
    ['an array holding an array', [['ops']]],
    ['a non-finite number', [Number.NaN]],
  ])('refuses %s with unauthenticated (never stringified)', (_label, groups) => {
    expect(codeOf(() => lists({ groups }))).toBe('unauthenticated');
  });

  it('is frozen, and absent for a client without listClaims', () => {
    const principal = principalFromPayload(client, { ...base, groups: ['ops'] });
    expect(Object.isFrozen(principal.listClaims)).toBe(true);
    expect(Object.isFrozen(principal.listClaims?.groups)).toBe(true);
    const { listClaims: _, ...plain } = client;
    expect('listClaims' in principalFromPayload(plain, { ...base, groups: ['ops'] })).toBe(false);
  });

  it('reads an own property only (a claim named like an Object.prototype member is absent)', () => {
    const proto = clientSchema.parse({ ...client, listClaims: ['constructor'] }) as OidcClientConfig;
    expect(principalFromPayload(proto, base).listClaims).toEqual({ constructor: [] });
  });
});
