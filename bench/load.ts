/**
 * Load generators, both bounded in count and time and aimed only at 127.0.0.1:
 * - `cannon`: autocannon, closed loop (a fixed number of connections, each sending its next request when the last
 *   answer arrives), for throughput. The bearer token rotates round-robin over a list, one global counter for all
 *   connections, so consecutive requests come from different principals.
 * - `pacedRun`: open loop. Request i is DUE at start + i / rate whatever the answers do, and its latency is measured
 *   from that due time, not from when it was actually sent: time a request spent waiting for the generator (a late
 *   timer, the in-flight cap) counts, so coordinated omission cannot hide a stall. Requests still unsent when the
 *   run's deadline passes are reported as dropped.
 */
import http from 'node:http';
import autocannon from 'autocannon';

export interface CannonOptions {
  url: string;
  /** Bearer tokens, used round-robin (one token = every request the same). */
  tokens: readonly string[];
  body: string;
  connections: number;
  durationSeconds: number;
}

export interface CannonResult {
  durationSeconds: number;
  ok2xx: number;
  non2xx: number;
  /** Transport errors (resets, refused connections), timeouts included. */
  errors: number;
  timeouts: number;
  /** Responses of any status. */
  responses: number;
  /** 2xx responses per second over the run. */
  rps: number;
  /** Closed-loop service time under saturation (not scheduled-time latency), ms. */
  latency: { p50: number; p99: number; max: number };
}

export async function cannon(options: CannonOptions): Promise<CannonResult> {
  const headers = { 'content-type': 'application/json' };
  const tokens = options.tokens;
  if (tokens.length === 0) throw new Error('cannon: no tokens');
  let next = 0;
  const requests =
    tokens.length === 1
      ? [{ method: 'POST' as const, headers: { ...headers, authorization: `Bearer ${tokens[0]}` }, body: options.body }]
      : [
          {
            method: 'POST' as const,
            body: options.body,
            setupRequest: (request: autocannon.Request) => {
              const token = tokens[next++ % tokens.length]!;
              return { ...request, headers: { ...headers, authorization: `Bearer ${token}` } };
            },
          },
        ];
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers,
    body: options.body,
    requests,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: 10,
  });
  const responses = result['2xx'] + result.non2xx;
  return {
    durationSeconds: result.duration,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    responses,
    rps: result['2xx'] / result.duration,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  };
}

export interface PacedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Carried into the outcome (e.g. the principal). */
  tag: string;
}

export interface PacedOutcome {
  tag: string;
  /** HTTP status; 0 when the request failed at the transport level; -1 when it was never sent (dropped). */
  status: number;
  /** The problem `code` of an error response, `cached` / `issued` for a 200, `dropped`, or the transport error. */
  code: string;
  /** When the request was due, ms after the run started (its scheduled time). */
  dueMs: number;
  /** How late after its due time the request actually went out, ms (generator lag and in-flight cap); -1 if never. */
  sendLagMs: number;
  /** From the due time to the end of the response, ms; NaN for a dropped request. */
  latencyMs: number;
  /** For a 200: the AccessKeyId served (to count distinct tokens; never printed). */
  accessKeyId?: string;
  /** For a 200: the response said `"stale": true`. */
  stale?: boolean;
  /** Whether it went out on a new connection (not a kept-alive one). */
  newConnection?: boolean;
}

export interface PacedOptions {
  port: number;
  ratePerSecond: number;
  durationSeconds: number;
  /** Requests in flight at most; a request due while the cap is reached waits for a slot (its latency counting). */
  maxInFlight: number;
  /** Per-request deadline; the run also gives up on unsent requests this long after the last one was due. */
  timeoutMs: number;
  request: (index: number) => PacedRequest;
}

export interface PacedResult {
  outcomes: PacedOutcome[];
  elapsedMs: number;
  /** When the run started (due time 0), epoch ms, to line requests up with a server's GC pauses. */
  startedEpochMs: number;
  /** Requests offered (rate × duration). */
  offered: number;
}

export async function pacedRun(options: PacedOptions): Promise<PacedResult> {
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const dueAt = (index: number): number => (index * 1000) / options.ratePerSecond;
  // A free socket is dropped after 4 s idle, before the server's keep-alive timeout (Node's default, 5 s) closes it:
  // otherwise a request sent on a socket the server is closing fails with ECONNRESET, a failure of the generator
  // (https://nodejs.org/api/http.html#serverkeepalivetimeout), not of the broker.
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight, timeout: 4000 });
  const outcomes: PacedOutcome[] = [];
  const waiting: number[] = [];
  let inFlight = 0;
  let next = 0;
  let finished = 0;
  const started = performance.now();
  const now = (): number => performance.now() - started;

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const settle = (): void => {
    finished += 1;
    if (finished === total) resolveDone();
  };

  const sendNow = (index: number): void => {
    const spec = options.request(index);
    const dueMs = dueAt(index);
    const sendLagMs = now() - dueMs;
    inFlight += 1;
    void send(agent, options.port, spec, options.timeoutMs).then((r) => {
      inFlight -= 1;
      outcomes.push({ ...r, tag: spec.tag, dueMs, sendLagMs, latencyMs: now() - dueMs });
      settle();
      drain();
    });
  };
  const drain = (): void => {
    while (inFlight < options.maxInFlight && waiting.length > 0) sendNow(waiting.shift()!);
  };

  const tick = (): void => {
    while (next < total && dueAt(next) <= now()) waiting.push(next++);
    drain();
    if (next < total) setTimeout(tick, Math.max(0, dueAt(next) - now()));
  };
  if (total === 0) resolveDone();
  else tick();

  // Unsent requests are dropped once the last one has been due for timeoutMs: the run always ends.
  const deadlineMs = dueAt(Math.max(0, total - 1)) + options.timeoutMs;
  const deadline = setInterval(() => {
    if (now() < deadlineMs) return;
    while (waiting.length > 0) {
      const index = waiting.shift()!;
      outcomes.push({
        tag: options.request(index).tag,
        status: -1,
        code: 'dropped',
        dueMs: dueAt(index),
        sendLagMs: -1,
        latencyMs: Number.NaN,
      });
      settle();
    }
  }, 100);
  await done;
  clearInterval(deadline);
  agent.destroy();
  return { outcomes, elapsedMs: now(), startedEpochMs: performance.timeOrigin + started, offered: total };
}

type SendResult = Pick<PacedOutcome, 'status' | 'code' | 'accessKeyId' | 'stale' | 'newConnection'>;

function send(agent: http.Agent, port: number, spec: PacedRequest, timeoutMs: number): Promise<SendResult> {
  return new Promise<SendResult>((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: spec.path,
        method: 'POST',
        agent,
        headers: { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ ...describe(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')), newConnection: !req.reusedSocket }),
        );
        res.on('error', (error) => resolve({ status: 0, code: `transport:${error.message}`, newConnection: !req.reusedSocket }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (error) => resolve({ status: 0, code: `transport:${error.message}`, newConnection: !req.reusedSocket }));
    req.end(spec.body);
  });
}

function describe(status: number, text: string): Omit<SendResult, 'newConnection'> {
  try {
    const body = JSON.parse(text) as { code?: unknown; cached?: unknown; stale?: unknown; credentials?: { accessKeyId?: unknown } };
    if (status === 200) {
      return {
        status,
        code: body.cached === true ? 'cached' : 'issued',
        ...(typeof body.credentials?.accessKeyId === 'string' ? { accessKeyId: body.credentials.accessKeyId } : {}),
        stale: body.stale === true,
      };
    }
    return { status, code: typeof body.code === 'string' ? body.code : 'no_code' };
  } catch {
    return { status, code: 'not_json' };
  }
}
