import { describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { findProfile } from './find-profile.js';

const uploads = { clients: ['web'] } as unknown as ProfileConfig;
const config = { profiles: { uploads } };

function refusal(name: string, clientId: string): { code: string; status: number; detail: string } {
  try {
    findProfile(config, name, { clientId });
  } catch (error) {
    if (error instanceof BrokerError) return { code: error.code, status: error.status, detail: error.detail };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('findProfile', () => {
  it('returns the profile to a client it lists', () => {
    expect(findProfile(config, 'uploads', { clientId: 'web' })).toBe(uploads);
  });

  it('answers 404 unknown_profile for a name no profile has, before asking who the caller is', () => {
    expect(refusal('nope', 'stranger')).toEqual({ code: 'unknown_profile', status: 404, detail: 'no profile named "nope"' });
  });

  it('answers 403 forbidden to a client the profile does not list', () => {
    expect(refusal('uploads', 'partner')).toEqual({
      code: 'forbidden',
      status: 403,
      detail: 'client "partner" may not use profile "uploads"',
    });
  });

  it('sees own profiles only, never a property every object has', () => {
    for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty'])
      expect(refusal(name, 'web').code).toBe('unknown_profile');
  });
});
