/**
 * The OSS emulator's HTTP server. Order per request, as the service applies it: address (bucket/key, https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js) →
 * bucket exists → CORS preflight (no auth) → operation routing → key rules → authentication (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header, or the form
 * for PostObject, https://www.alibabacloud.com/help/en/oss/developer-reference/postobject) → RAM authorization (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements), the bucket policy's Deny statements first → the operation → its upload callback, when PutObject, PostObject
 * or CompleteMultipartUpload carries one (upload-callback.ts). Errors are OSS XML with `x-oss-request-id`.
 * It also serves its callback public key at `GET /.well-known/oss-callback-public-key.pem` (callback-key.ts).
 * It logs nothing, so no secret can leak.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkObjectKey, resolveTarget } from './addressing.js';
import { authenticate } from './authenticate.js';
import { BucketPolicies } from './bucket-policies.js';
import { authorize, bucketArn, buildContext, clientIp, objectArn, type RequestFacts } from './authorize.js';
import { CALLBACK_PUBLIC_KEY_PATH, createCallbackSigner } from './callback-key.js';
import { callbackFromRequest, type CallbackSpec } from './callback-params.js';
import type { CallbackTransport } from './callback-request.js';
import { corsHeaders, preflight } from './cors.js';
import { listObjectsV1, listObjectsV2 } from './list-objects.js';
import { MultipartUploads } from './multipart.js';
import { deleteObject, getObject, getObjectMeta, headObject, putObject } from './object-ops.js';
import { ObjectStore } from './object-store.js';
import { ERRORS, newRequestId, OssError, ossError } from './oss-error.js';
import { postObject } from './post-object.js';
import { errorReply, send, type Reply } from './respond.js';
import { route, type Operation } from './routes.js';
import type { SignedRequest } from './signature-v1.js';
import type { CorsRule, OssEmulator, OssEmulatorOptions, OssEmulatorStats } from './types.js';
import { replyWithCallback, uploadedObject } from './upload-callback.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Room for the form fields around a PostObject file. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(ossError(ERRORS.entityTooLarge)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

interface RequestState {
  bucket?: string;
  hostId: string;
  requestId: string;
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

export async function startOssEmulator(options: OssEmulatorOptions): Promise<OssEmulator> {
  if (!Buffer.isBuffer(options.sealKey) || options.sealKey.length !== 32) {
    throw new Error('OSS emulator: sealKey must be a 32-byte Buffer');
  }
  const cors = new Map<string, readonly CorsRule[]>();
  for (const b of options.buckets) {
    if (!BUCKET_NAME.test(b.name)) throw new Error(`OSS emulator: invalid bucket name ${JSON.stringify(b.name)}`);
    cors.set(b.name, b.cors ?? []);
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const maxSkewMs = (options.maxSkewSeconds ?? 900) * 1000;
  const maxObjectBytes = options.maxObjectBytes ?? 5 * 1024 ** 3;
  const store = new ObjectStore([...cors.keys()], options.dataDir);
  const uploads = new MultipartUploads(store);
  const policies = new BucketPolicies();
  const stats: OssEmulatorStats = { requests: 0, byCode: {}, byOperation: {} };
  const bump = (table: Record<string, number>, name: string) => {
    table[name] = (table[name] ?? 0) + 1;
  };
  const signer = await createCallbackSigner();
  // Filled in once the server listens (the port may be 0 until then).
  const transport: CallbackTransport = { signer, publicKeyUrl: '', timeoutMs: options.callbackTimeoutMs ?? 5000 };

  async function dispatch(req: IncomingMessage, nowMs: number, state: RequestState): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = resolveTarget(req.headers.host, req.url ?? '/');
    // `.well-known` is no valid bucket name, so this path-style address cannot shadow an object.
    if (method === 'GET' && target.style === 'path' && `/${target.bucket}/${target.key}` === CALLBACK_PUBLIC_KEY_PATH) {
      bump(stats.byOperation, 'GetCallbackPublicKey');
      return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: signer.publicKeyPem };
    }
    if (target.bucket === '') throw ossError(ERRORS.notImplemented, {}, 'ListBuckets is not modelled by this emulator.');
    if (!store.hasBucket(target.bucket)) throw ossError(ERRORS.noSuchBucket, { BucketName: target.bucket });
    state.bucket = target.bucket;
    if (method === 'OPTIONS') {
      bump(stats.byOperation, 'Preflight');
      return { status: 200, headers: preflight(cors.get(target.bucket) ?? [], req.headers) };
    }
    const q = new Map(target.query);
    const operation: Operation = route(method, target.key !== undefined, q);
    bump(stats.byOperation, operation.name);
    if (req.headers['x-oss-copy-source'] !== undefined) throw ossError(ERRORS.notImplemented, {}, 'CopyObject is not modelled.');
    const key = operation.level === 'object' ? checkObjectKey(target.key) : undefined;
    const limit = operation.name === 'PostObject' ? maxObjectBytes + FORM_OVERHEAD_BYTES : maxObjectBytes;
    // Refuse a declared over-size body before reading a byte of it.
    if (Number(req.headers['content-length'] ?? 0) > limit) throw ossError(ERRORS.entityTooLarge);
    const facts: RequestFacts = {
      sourceIp: clientIp(req.socket.remoteAddress),
      secureTransport: false,
      nowMs,
      userAgent: req.headers['user-agent'],
    };
    const withCallback = (reply: Reply, spec: CallbackSpec | undefined, bucket: string, objectKey: string): Promise<Reply> | Reply =>
      spec
        ? replyWithCallback(reply, spec, uploadedObject(store, bucket, objectKey), {
            transport,
            requestId: state.requestId,
            hostId: state.hostId,
          })
        : reply;
    if (operation.name === 'PostObject') {
      // PostObject carries its signature inside the form, so the body must be read before anything is checked.
      const body = await readBody(req, limit);
      const posted = postObject(target.bucket, req.headers['content-type'], body, {
        store,
        sealKey: options.sealKey,
        maxObjectBytes,
        maxSkewMs,
        facts,
        bucketPolicy: policies.parsed(target.bucket),
      });
      return withCallback(posted.reply, posted.callback, target.bucket, posted.key);
    }
    const signed: SignedRequest = { method, headers: flatHeaders(req), bucket: target.bucket, key: target.key, query: target.query };
    const session = authenticate(signed, { sealKey: options.sealKey, nowMs, maxSkewMs });
    const extra = operation.level === 'bucket' ? { 'oss:Prefix': q.get('prefix'), 'oss:Delimiter': q.get('delimiter') } : {};
    authorize(
      session,
      {
        action: operation.action,
        resource: key === undefined ? bucketArn(target.bucket) : objectArn(target.bucket, key),
        context: buildContext(facts, extra),
      },
      policies.parsed(target.bucket),
    );
    // Invalid callback parameters refuse the upload (400) before anything is stored.
    const callback =
      operation.name === 'PutObject' || operation.name === 'CompleteMultipartUpload' ? callbackFromRequest(req.headers, q) : undefined;
    // Header signatures do not cover the body (ali-oss sends UNSIGNED-PAYLOAD), so the body is read only after
    // the caller is authenticated and authorized: an anonymous request cannot make the emulator buffer anything.
    const body = await readBody(req, limit);
    const b = target.bucket;
    const k = key as string;
    switch (operation.name) {
      case 'PutObject':
        return withCallback(putObject(store, b, k, req.headers, body, nowMs), callback, b, k);
      case 'GetObject':
        return getObject(store, b, k);
      case 'HeadObject':
        return headObject(store, b, k);
      case 'GetObjectMeta':
        return getObjectMeta(store, b, k);
      case 'DeleteObject':
        return deleteObject(store, b, k);
      case 'ListObjects':
        return listObjectsV1(store, b, q);
      case 'ListObjectsV2':
        return listObjectsV2(store, b, q);
      case 'InitiateMultipartUpload':
        return uploads.initiate(b, k, req.headers, nowMs);
      case 'UploadPart':
        return uploads.uploadPart(b, k, q, req.headers, body, nowMs);
      case 'CompleteMultipartUpload':
        return withCallback(uploads.complete(b, k, q, req.headers, body, nowMs), callback, b, k);
      case 'AbortMultipartUpload':
        return uploads.abort(b, k, q);
      case 'ListParts':
        return uploads.listParts(b, k, q);
      case 'GetBucketPolicy':
        return policies.get(b);
      case 'PutBucketPolicy':
        return policies.put(b, body);
      case 'DeleteBucketPolicy':
        return policies.delete(b);
      default:
        throw ossError(ERRORS.notImplemented);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const requestId = newRequestId();
    const nowMs = clock.now();
    const isHead = req.method === 'HEAD';
    const state: RequestState = { hostId: req.headers.host ?? 'localhost', requestId };
    let reply: Reply;
    try {
      reply = await dispatch(req, nowMs, state);
      // 203: stored, but its upload callback failed.
      bump(stats.byCode, reply.status === 203 ? 'CallbackFailed' : 'OK');
    } catch (err) {
      const ossErr = err instanceof OssError ? err : ossError(ERRORS.internal);
      bump(stats.byCode, ossErr.code);
      reply = errorReply(ossErr, requestId, state.hostId, isHead);
      // An unread body cannot be reused on this connection.
      if (!req.complete) res.setHeader('connection', 'close');
    }
    const isPreflight = req.method === 'OPTIONS';
    const extraHeaders = state.bucket && !isPreflight ? corsHeaders(cors.get(state.bucket) ?? [], req.headers, req.method ?? 'GET') : {};
    send(res, reply, { requestId, nowMs, isHead, extraHeaders });
    if (!req.complete) req.resume();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Longer than ali-oss's keep-alive agent keeps idle sockets (agentkeepalive: 15 s), so a client never reuses a
  // socket this server already closed (read ECONNRESET under load).
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  transport.publicKeyUrl = `http://${host}:${port}${CALLBACK_PUBLIC_KEY_PATH}`;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    endpointPathStyle: `http://localhost:${port}`,
    stats,
    callbackPublicKeyUrl: transport.publicKeyUrl,
    callbackPublicKeyPem: signer.publicKeyPem,
    objects: {
      get(bucket, key) {
        const o = store.get(bucket, key);
        return o
          ? { body: o.body, contentType: o.contentType, etag: o.etag, ...(o.encryption ? { encryption: o.encryption } : {}) }
          : undefined;
      },
      list: (bucket, prefix) => store.keys(bucket, prefix),
      put: (bucket, object) => store.put(bucket, object),
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
