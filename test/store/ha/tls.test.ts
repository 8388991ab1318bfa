/**
 * `redis.tls` against a real redis-server speaking TLS on loopback, with a private CA made for the run (openssl):
 * the CA file and server name are what make the connection work, verification cannot be skipped, and a server that
 * requires client certificates gets ours from certFile/keyFile.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, StoreUnavailableError } from '../../../src/store/index.js';
import { freePort, processGroup } from './redis-processes.js';

const SERVER_NAME = 'redis.test';
const group = processGroup('tls');
const pem = (name: string) => join(group.dir, name);
let tlsPort: number;
let mtlsPort: number;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A CA, a server certificate for SERVER_NAME and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', pem('ca.key'), '-out', pem('ca.pem'), '-days', '1', '-subj', '/CN=osb-test-ca');
  writeFileSync(pem('server.ext'), `subjectAltName=DNS:${SERVER_NAME}\n`);
  for (const who of ['server', 'client']) {
    openssl(
      'req',
      ...ec,
      '-keyout',
      pem(`${who}.key`),
      '-out',
      pem(`${who}.csr`),
      '-subj',
      `/CN=${who === 'server' ? SERVER_NAME : 'broker'}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      pem(`${who}.csr`),
      '-CA',
      pem('ca.pem'),
      '-CAkey',
      pem('ca.key'),
      '-CAcreateserial',
      '-out',
      pem(`${who}.pem`),
      '-days',
      '1',
      ...(who === 'server' ? ['-extfile', pem('server.ext')] : []),
    );
  }
}

beforeAll(async () => {
  makeCertificates();
  // The plain port only serves the harness's readiness check; the store under test uses the TLS port.
  const tlsServer = async (requireClientCert: boolean) => {
    const port = await freePort();
    await group.start({
      config: () => [
        `tls-port ${port}`,
        `tls-cert-file ${pem('server.pem')}`,
        `tls-key-file ${pem('server.key')}`,
        `tls-ca-cert-file ${pem('ca.pem')}`,
        `tls-auth-clients ${requireClientCert ? 'yes' : 'no'}`,
      ],
    });
    return port;
  };
  tlsPort = await tlsServer(false);
  mtlsPort = await tlsServer(true);
}, 30_000);

afterAll(() => group.stop());

async function roundTrip(port: number, tls: Record<string, unknown> | undefined): Promise<string | null> {
  const store = RedisStore.fromConfig({
    url: `rediss://127.0.0.1:${port}`,
    ...(tls === undefined ? {} : { tls: { sentinels: true, ...tls } }),
    keyPrefix: 'osbtest:tls:',
    commandTimeoutMs: 2000,
    connectTimeoutMs: 2000,
  });
  try {
    await store.connect();
    await store.set('probe', 'over-tls', 10_000);
    return await store.get('probe');
  } finally {
    await store.close();
  }
}

describe('redis.tls on a real TLS server', () => {
  it('connects with the CA file and the name the certificate carries', async () => {
    expect(await roundTrip(tlsPort, { caFile: pem('ca.pem'), serverName: SERVER_NAME })).toBe('over-tls');
  });

  it('refuses the server without the private CA (no way to skip verification)', async () => {
    await expect(roundTrip(tlsPort, undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('refuses a certificate for another name', async () => {
    await expect(roundTrip(tlsPort, { caFile: pem('ca.pem'), serverName: 'other.test' })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('presents the client certificate to a server that requires one', async () => {
    const withCa = { caFile: pem('ca.pem'), serverName: SERVER_NAME };
    expect(await roundTrip(mtlsPort, { ...withCa, certFile: pem('client.pem'), keyFile: pem('client.key') })).toBe('over-tls');
    await expect(roundTrip(mtlsPort, withCa)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
