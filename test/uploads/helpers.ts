/**
 * Test stand-ins for OSS's side of the upload callback: an RSA key pair generated at test time, its public key
 * served from a loopback server (as OSS serves its own from gosspublic.alicdn.com), and callbacks signed with the
 * private key exactly as OSS documents (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyServer {
  /** `127.0.0.1:<port>`: what a test config allow-lists. */
  host: string;
  /** The key's URL, and the same URL base64-encoded as `x-oss-pub-key-url` carries it. */
  url: string;
  header: string;
  privateKey: KeyObject;
  /** Requests served, by path. */
  hits: Map<string, number>;
  /** What the next requests get: the key, a hang (never answers), an error status or another body. */
  mode: 'key' | 'hang' | 'error' | 'garbage' | 'ec-key' | 'redirect' | 'key-in-page';
  close(): Promise<void>;
}

export async function startKeyServer(path = '/callback_pub_key_v1.pem'): Promise<KeyServer> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const hits = new Map<string, number>();
  const hanging = new Set<import('node:http').ServerResponse>();
  const state: { mode: KeyServer['mode'] } = { mode: 'key' };
  const server: Server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'redirect') {
      res.writeHead(302, { location: path });
      res.end();
      return;
    }
    if (state.mode === 'error') {
      res.statusCode = 500;
      res.end('no');
      return;
    }
    const pem =
      state.mode === 'garbage'
        ? 'not a key'
        : (state.mode === 'ec-key' ? ecKey : publicKey).export({ type: 'spki', format: 'pem' }).toString();
    if (state.mode === 'key-in-page') {
      // The right key, but inside a page: what any HTML page on a key host could look like.
      res.setHeader('content-type', 'text/html');
      res.end(`<html><body><p>Our callback key:</p><pre>\n${pem}</pre></body></html>`);
      return;
    }
    res.setHeader('content-type', 'application/x-pem-file');
    res.end(pem);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${host}${path}`;
  return {
    host,
    url,
    header: Buffer.from(url).toString('base64'),
    privateKey,
    hits,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `authorization` for a callback to `pathAndQuery` with `body`, as OSS signs it. */
export function ossCallbackSignature(privateKey: KeyObject, pathAndQuery: string, body: string): string {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  return sign('md5', Buffer.from(`${decodeURIComponent(path)}${query}\n${body}`), privateKey).toString('base64');
}

/** The body OSS expands from the broker's callback template (form-encoded values). */
export function callbackBody(values: {
  bucket: string;
  object: string;
  etag: string;
  size: number;
  mimeType?: string;
  grant: string;
}): string {
  const params = new URLSearchParams();
  params.set('bucket', values.bucket);
  params.set('object', values.object);
  params.set('etag', values.etag);
  params.set('size', String(values.size));
  params.set('mimeType', values.mimeType ?? 'image/png');
  params.set('x:grant', values.grant);
  return params.toString();
}
