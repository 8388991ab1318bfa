/** A JWKS server on loopback for the tests that fetch keys over HTTP; the keys and tokens are in dev/testing/oidc.ts. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A JWKS server on loopback whose key set a test can change; counts its requests. */
export interface JwksServer {
  url: string;
  requests: number;
  keys: JWK[];
  /** When set, the server answers with this status instead of the key set. */
  status?: number;
  /** When true, requests are accepted and never answered. */
  hang?: boolean;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: Omit<JwksServer, 'url' | 'close'> = { requests: 0, keys };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    if (state.hang) return;
    if (state.status !== undefined) {
      res.writeHead(state.status).end('nope');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
