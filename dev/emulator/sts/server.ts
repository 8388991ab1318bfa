/**
 * The STS emulator's HTTPS server: routing (POST/GET `/`, Version, Action: AssumeRole or GetCallerIdentity), fault
 * injection (AssumeRole only), authentication, validation and issuance, in the order real STS applies them (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature). It logs nothing, so no secret can leak.
 * HTTPS only, with a certificate made at start-up (tls-certificate.ts): the broker has no plain-HTTP path to STS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenHttps } from './https-listener.js';
import { validateAssumeRoleParams } from './assume-role-params.js';
import { authenticate, type AuthContext } from './authenticate.js';
import { callerIdentity, type CallerIdentityBody, type EmulatedUser } from './caller-identity.js';
import { FaultQueue } from './fault-queue.js';
import { issueCredentials, type AssumeRoleResponseBody, type IssueContext } from './issue-credentials.js';
import { NonceCache } from './nonce-cache.js';
import { header, parseRequest, type ParsedRequest } from './request-parser.js';
import { applyFault, sendError, sendJson } from './respond.js';
import { RoleRegistry } from './role-registry.js';
import { StsError, errors } from './sts-error.js';
import { generateLoopbackCertificate } from './tls-certificate.js';
import type { StsEmulator, StsEmulatorOptions, StsEmulatorStats } from './types.js';

const STS_API_VERSION = '2015-04-01';
const DEFAULT_ACCOUNT_ID = '1234567890123456';
const ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);

export async function startStsEmulator(options: StsEmulatorOptions): Promise<StsEmulator> {
  if (!Buffer.isBuffer(options.sealKey) || options.sealKey.length !== 32) {
    throw new Error('STS emulator: sealKey must be a 32-byte Buffer');
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const maxSkewSeconds = options.maxSkewSeconds ?? 900;
  const policyMaxChars = options.policyMaxChars ?? 2048;
  const latencyMs = options.latencyMs ?? 0;
  if (!(maxSkewSeconds > 0) || !(policyMaxChars >= 1) || !(latencyMs >= 0)) {
    throw new Error('STS emulator: maxSkewSeconds, policyMaxChars must be positive and latencyMs not negative');
  }
  const secrets = new Map<string, string>();
  const users = new Map<string, EmulatedUser>();
  // The account the roles live in, unless a key says otherwise: one account, as in most set-ups.
  const defaultAccountId = /^acs:ram::(\d+):/.exec(options.roles[0]?.arn ?? '')?.[1] ?? DEFAULT_ACCOUNT_ID;
  for (const key of options.accessKeys) {
    if (!key.accessKeyId || !key.accessKeySecret) throw new Error('STS emulator: empty access key id or secret');
    secrets.set(key.accessKeyId, key.accessKeySecret);
    users.set(key.accessKeyId, { accountId: key.accountId ?? defaultAccountId, userName: key.userName ?? 'broker' });
  }

  const auth: AuthContext = {
    secrets,
    clock,
    maxSkewMs: maxSkewSeconds * 1000,
    nonces: new NonceCache(clock, maxSkewSeconds * 1000),
  };
  const issue: IssueContext = { roles: new RoleRegistry(options.roles), clock, sealKey: options.sealKey };
  const stats: StsEmulatorStats = { assumeRoleCalls: 0, callerIdentityCalls: 0, byCode: {} };
  const faults = new FaultQueue();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const count = (code: string) => {
    stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
  };
  /** Realistic latency before every answer; timers are dropped at close so nothing fires afterwards. */
  const delay = () =>
    latencyMs === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, latencyMs);
          timers.add(t);
        });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: ParsedRequest;
    try {
      parsed = await parseRequest(req);
    } catch (err) {
      // The rest of an oversized body is unread, so the connection cannot be reused.
      res.setHeader('connection', 'close');
      count(sendError(res, err instanceof StsError ? err : errors.internal()));
      return;
    }
    // ACS3 names the action in a header, RPC in a parameter (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature/B4).
    const action = header(parsed, 'x-acs-action') ?? parsed.params.Action;
    const routed = parsed.path === '/' && (parsed.method === 'POST' || parsed.method === 'GET');
    const isAssumeRole = routed && action === 'AssumeRole';
    const isCallerIdentity = routed && action === 'GetCallerIdentity';
    if (isCallerIdentity) stats.callerIdentityCalls++;
    if (isAssumeRole) {
      stats.assumeRoleCalls++;
      const fault = faults.shift();
      if (fault) {
        await delay();
        if (!closed) count(applyFault(res, fault));
        return;
      }
    }
    let outcome: AssumeRoleResponseBody | CallerIdentityBody | StsError;
    try {
      outcome = answer(parsed, routed, action);
    } catch (err) {
      outcome = err instanceof StsError ? err : errors.internal();
    }
    await delay();
    if (closed) return;
    // byCode counts everything but GetCallerIdentity, so a readiness check never shows up as an issued token.
    const record = isCallerIdentity ? () => undefined : count;
    if (outcome instanceof StsError) {
      record(sendError(res, outcome));
    } else {
      sendJson(res, 200, JSON.stringify(outcome), { 'x-acs-request-id': outcome.RequestId });
      record('Success');
    }
  }

  function answer(req: ParsedRequest, routed: boolean, action: string | undefined): AssumeRoleResponseBody | CallerIdentityBody {
    if (!routed) throw errors.apiNotFound(`${req.method} ${req.path}`);
    if (!action) throw errors.missingAction();
    const version = header(req, 'x-acs-version') ?? req.params.Version;
    if (!version) throw errors.missing('Version');
    if (version !== STS_API_VERSION) throw errors.invalidVersion(version);
    if (!ACTIONS.has(action)) throw errors.apiNotFound(action);
    const caller = authenticate(req, auth);
    if (action === 'GetCallerIdentity') return callerIdentity(caller.accessKeyId, users.get(caller.accessKeyId)!);
    const input = validateAssumeRoleParams(req.params, policyMaxChars);
    return issueCredentials(input, caller.accessKeyId, issue);
  }

  const tls = await generateLoopbackCertificate();
  const host = options.host ?? '127.0.0.1';
  const { server, port, hostForUrl } = await listenHttps(handle, { tls, caFile: options.caFile, host, port: options.port });

  return {
    url: `https://${hostForUrl}:${port}`,
    ca: tls.caPem,
    host,
    port,
    endpoint: `${hostForUrl}:${port}`,
    stats,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Ends hanging (`hang` fault) and idle keep-alive connections so close() does not wait on clients.
        server.closeAllConnections();
      }),
  };
}
