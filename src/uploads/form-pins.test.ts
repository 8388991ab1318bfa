/** What a profile's `postPolicy` makes its forms pin. */
import { describe, expect, it } from 'vitest';
import { formPins, pinnedFields } from './form-pins.js';

const base = { formLifetimeSeconds: 600 };
const callback = { url: 'https://broker.example.com/v1/oss-callback' };

describe('formPins', () => {
  it.each([
    ['nothing by default', base, { forbidOverwrite: false }],
    ['no overwrite with a callback', { ...base, callback }, { forbidOverwrite: true }],
    ['no overwrite when asked', { ...base, forbidOverwrite: true }, { forbidOverwrite: true }],
  ])('%s', (_, postPolicy, expected) => {
    expect(formPins(postPolicy)).toEqual({ ...expected, serverSideEncryption: undefined });
  });

  it('carries the encryption settings as configured', () => {
    const serverSideEncryption = { algorithm: 'KMS' as const, kmsKeyId: 'key-1' };
    expect(formPins({ ...base, serverSideEncryption }).serverSideEncryption).toEqual(serverSideEncryption);
  });
});

describe('pinnedFields', () => {
  it('lists forbid-overwrite, the algorithm and the KMS key id, in that order, only when set', () => {
    expect(pinnedFields(undefined)).toEqual([]);
    expect(pinnedFields({ forbidOverwrite: false })).toEqual([]);
    expect(pinnedFields({ forbidOverwrite: false, serverSideEncryption: { algorithm: 'AES256' } })).toEqual([
      ['x-oss-server-side-encryption', 'AES256'],
    ]);
    expect(pinnedFields({ forbidOverwrite: true, serverSideEncryption: { algorithm: 'KMS', kmsKeyId: 'k-1' } })).toEqual([
      ['x-oss-forbid-overwrite', 'true'],
      ['x-oss-server-side-encryption', 'KMS'],
      ['x-oss-server-side-encryption-key-id', 'k-1'],
    ]);
  });
});
