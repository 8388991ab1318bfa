/**
 * `x:grant`: the broker's MAC over who may upload what, carried in the form and returned by OSS in the callback
 * body. It binds principal, profile, bucket, key, declared size, issue and expiry times and the byte reservation's
 * id, so editing any form field cannot move an upload onto another principal's account or another grant's
 * reservation. It names the upload; it is not evidence of one (callback-service.ts reads the bucket for that).
 *
 * Format: `v2.<base64url(JSON array)>.<base64url(HMAC-SHA256)>`. The MAC input is domain-separated and covers the
 * encoded payload exactly as sent. The key is `uploads.grantKey` (configuration / secret env / KMS, never generated in
 * production). Not secret, not encrypted: the client may read its own grant.
 *
 * Rotation: the key is a ring (secrets/key-ring.ts). A grant is signed with the current key and verified against
 * each key of the ring, so a form signed before a rotation is still accepted when its callback arrives after it.
 * The format names no key: trying two HMACs costs microseconds on a callback, and a key id would add nothing a
 * forger could not also copy.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../auth/constant-time.js';
import type { Principal } from '../auth/principal.js';
import { asKeyRing, type KeyRing } from '../secrets/key-ring.js';

export interface UploadGrant {
  principal: Pick<Principal, 'kind' | 'clientId' | 'tenant' | 'subject'>;
  profile: string;
  bucket: string;
  key: string;
  /** Declared size in bytes: the form's content-length-range maximum. */
  size: number;
  /** Epoch ms when the form was signed: an object older than that is not this grant's upload. */
  issuedAt: number;
  /** Epoch ms when the form expires. */
  expiresAt: number;
  /** The byte reservation this upload settles. */
  id: string;
}

export interface GrantSealer {
  seal(grant: UploadGrant): string;
  /** The grant, or undefined when the text is malformed or its MAC does not verify. */
  open(text: string): UploadGrant | undefined;
}

const VERSION = 'v2';
const DOMAIN = 'oss-sts-broker x:grant v2\n';
/** x:grant is a form field and part of the callback body: keep a forged one from making the broker parse megabytes. */
const MAX_GRANT_CHARS = 4096;

export function createGrantSealer(key: Buffer | KeyRing): GrantSealer {
  const ring = asKeyRing(key);
  if (ring.keys().some((k) => k.length < 32)) throw new Error('uploads.grantKey must be at least 32 bytes');
  const mac = (k: Buffer, payload: string) => createHmac('sha256', k).update(DOMAIN).update(payload).digest('base64url');

  return {
    seal(grant) {
      const p = grant.principal;
      const fields = [
        p.kind,
        p.clientId,
        p.tenant,
        p.subject,
        grant.profile,
        grant.bucket,
        grant.key,
        grant.size,
        grant.issuedAt,
        grant.expiresAt,
        grant.id,
      ];
      const payload = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
      return `${VERSION}.${payload}.${mac(ring.keys()[0]!, payload)}`;
    },
    open(text) {
      if (text.length > MAX_GRANT_CHARS) return undefined;
      const parts = text.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
      const [, payload, tag] = parts as [string, string, string];
      // Every key is tried even after a match, so the time taken does not say which key signed it.
      let verified = false;
      for (const k of ring.keys()) {
        if (k.length >= 32 && constantTimeEqual(mac(k, payload), tag)) verified = true;
      }
      return verified ? decode(payload) : undefined;
    },
  };
}

/** Only reached with a verified MAC; still checks every field's type, so a key rotation bug cannot yield garbage. */
function decode(payload: string): UploadGrant | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 11) return undefined;
  const [kind, clientId, tenant, subject, profile, bucket, key, size, issuedAt, expiresAt, id] = fields as unknown[];
  const strings = [clientId, tenant, subject, profile, bucket, key, id];
  if (!strings.every((s) => typeof s === 'string' && s !== '')) return undefined;
  if (kind !== 'user' && kind !== 'partner') return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return undefined;
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt)) return undefined;
  return {
    principal: { kind, clientId: clientId as string, tenant: tenant as string, subject: subject as string },
    profile: profile as string,
    bucket: bucket as string,
    key: key as string,
    size: size as number,
    issuedAt: issuedAt as number,
    expiresAt: expiresAt as number,
    id: id as string,
  };
}
