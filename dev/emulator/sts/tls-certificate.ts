/**
 * A throw-away certificate authority and a server certificate for the loopback names, made fresh at every start.
 *
 * Why: the broker reaches STS over HTTPS only (src/sts/sdk-client.ts has no plain-HTTP switch), so the emulator
 * must speak TLS with a certificate the broker can verify. A CA that exists only in memory for one run (and, when
 * asked, in a file for NODE_EXTRA_CA_CERTS) is trusted by nothing else on the machine, and nothing has to be
 * shipped or kept secret. The server certificate is signed by that CA rather than self-signed, so the file holds a
 * real trust anchor, which is what NODE_EXTRA_CA_CERTS and the SDK's `ca` option expect.
 */
import { generate } from 'selfsigned';

export interface LoopbackCertificate {
  /** PEM of the one-run CA: what a client trusts (SDK `ca`, NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** PEM of the server certificate, for localhost, 127.0.0.1 and ::1, signed by the CA. */
  certPem: string;
  /** PEM of the server certificate's private key. */
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * EC P-256 and SHA-256: quick to generate (a test starts many emulators) and accepted by every TLS client here.
 * Valid from an hour ago (a slightly slow clock elsewhere on the machine) for two days (an emulator run is short).
 */
export async function generateLoopbackCertificate(
  now: Date = new Date(),
  caName = 'oss-sts-broker STS emulator CA (one run)',
): Promise<LoopbackCertificate> {
  const notBeforeDate = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfterDate = new Date(now.getTime() + 2 * DAY_MS);
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate } as const;
  const ca = await generate([{ name: 'commonName', value: caName }], {
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
