/**
 * The KMS emulator's one-run CA and loopback server certificate, made as the STS emulator makes its own
 * (dev/emulator/sts/tls-certificate.ts: EC P-256, localhost / 127.0.0.1 / ::1, two days) but with a CA name of its
 * own, unique per run. A broker process trusts both emulators' CAs through one NODE_EXTRA_CA_CERTS file, and OpenSSL
 * finds an issuer by its name: two CAs with one name and the chain is checked against the wrong key
 * (CERT_SIGNATURE_FAILURE).
 */
import { randomBytes } from 'node:crypto';
import { generate } from 'selfsigned';
import type { LoopbackCertificate } from '../sts/tls-certificate.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function generateKmsCertificate(now: Date = new Date()): Promise<LoopbackCertificate> {
  const notBeforeDate = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfterDate = new Date(now.getTime() + 2 * DAY_MS);
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate } as const;
  const ca = await generate([{ name: 'commonName', value: `oss-sts-broker KMS emulator CA ${randomBytes(6).toString('hex')}` }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
