/**
 * The KMS emulator's one-run CA and loopback server certificate, made as the STS emulator makes its own
 * (dev/emulator/sts/tls-certificate.ts: EC P-256, localhost / 127.0.0.1 / ::1, two days) but with a CA name of its
 * own, unique per run. A broker process trusts both emulators' CAs through one NODE_EXTRA_CA_CERTS file, and OpenSSL
 * finds an issuer by its name: two CAs with one name and the chain is checked against the wrong key
 * (CERT_SIGNATURE_FAILURE).
 */
import { randomBytes } from 'node:crypto';
import { generateLoopbackCertificate, type LoopbackCertificate } from '../sts/tls-certificate.js';

export function generateKmsCertificate(now: Date = new Date()): Promise<LoopbackCertificate> {
  return generateLoopbackCertificate(now, `oss-sts-broker KMS emulator CA ${randomBytes(6).toString('hex')}`);
}
