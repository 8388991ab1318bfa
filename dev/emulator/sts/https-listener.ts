/**
 * The HTTPS listener the emulators that speak Alibaba's RPC APIs share (STS, KMS): a one-run certificate, the CA
 * written out for NODE_EXTRA_CA_CERTS when asked, and a server that neither crashes nor hangs on a bad client.
 */
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from './tls-certificate.js';

export interface HttpsListener {
  server: Server;
  port: number;
  /** The host as a URL writes it (IPv6 in brackets). */
  hostForUrl: string;
}

export async function listenHttps(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { tls: LoopbackCertificate; caFile?: string | undefined; host?: string | undefined; port?: number | undefined },
): Promise<HttpsListener> {
  const { tls } = options;
  if (options.caFile !== undefined) await writeFile(options.caFile, tls.caPem, { mode: 0o644 });
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.destroy();
    });
  });
  // Longer than SDK keep-alive agents keep idle sockets, so a client never reuses a socket already closed here.
  server.keepAliveTimeout = 65_000;
  // A client aborting mid-request, or refusing the certificate, must not crash the process.
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('tlsClientError', (_err, socket) => socket.destroy());

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, hostForUrl: host.includes(':') ? `[${host}]` : host };
}
