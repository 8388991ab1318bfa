/**
 * Load generators, both bounded in count and time and aimed only at 127.0.0.1:
 * - `cannon`: autocannon (closed loop, fixed connections, optional overall rate) for throughput and latency;
 * - `pacedRun`: an open-loop generator that starts requests on a fixed schedule (rate x duration) with a cap on
 *   requests in flight, and keeps each response's status and problem `code` (for the Zipf workload).
 */
import http from 'node:http';
import autocannon from 'autocannon';

export interface CannonOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSeconds: number;
  overallRate?: number;
}

export interface CannonResult {
  durationSeconds: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second over the run. */
  rps: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export async function cannon(options: CannonOptions): Promise<CannonResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: 10,
    // autocannon's coordinated-omission correction assumes an interval of ceil(1 / per-connection rate) = 1 ms and
    // would add a synthetic sample for every millisecond of each response; the raw latencies are what we want.
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate, ignoreCoordinatedOmission: true } : {}),
  });
  return {
    durationSeconds: result.duration,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: result['2xx'] / result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
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
  /** HTTP status, or 0 when the request failed at the transport level, or -1 when it was never sent. */
  status: number;
  /** The problem `code` of an error response, `cached` / `issued` for a 200, or the transport error. */
  code: string;
  latencyMs: number;
  /** When the request was due, ms after the run started. */
  dueMs: number;
  /** Whether it went out on a new connection (not a kept-alive one). */
  newConnection?: boolean;
  /** For a new connection: ms from the request's start until the TCP connection was up. */
  connectMs?: number;
}

export interface PacedOptions {
  port: number;
  ratePerSecond: number;
  durationSeconds: number;
  /** Requests in flight at most; a request due while the cap is reached is not sent (status -1, `client_backlog`). */
  maxInFlight: number;
  /** Per-request deadline. */
  timeoutMs: number;
  request: (index: number) => PacedRequest;
}

/** Open loop: request i is due at start + i / rate, whatever the responses do. Stops after rate x duration. */
export async function pacedRun(options: PacedOptions): Promise<{ outcomes: PacedOutcome[]; elapsedMs: number }> {
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const outcomes: PacedOutcome[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let next = 0;

  const fire = (index: number): void => {
    const spec = options.request(index);
    if (pending.size >= options.maxInFlight) {
      outcomes.push({ tag: spec.tag, status: -1, code: 'client_backlog', latencyMs: 0, dueMs: (index * 1000) / options.ratePerSecond });
      return;
    }
    const t0 = performance.now();
    const done = send(agent, options.port, spec, options.timeoutMs).then((r) => {
      outcomes.push({
        tag: spec.tag,
        status: r.status,
        code: r.code,
        latencyMs: performance.now() - t0,
        dueMs: t0 - started,
        newConnection: r.newConnection,
        ...(r.connectMs !== undefined ? { connectMs: r.connectMs } : {}),
      });
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now() - started;
      while (next < total && (next * 1000) / options.ratePerSecond <= now) fire(next++);
      if (next >= total) {
        resolve();
        return;
      }
      const due = (next * 1000) / options.ratePerSecond;
      setTimeout(tick, Math.max(0, due - (performance.now() - started)));
    };
    tick();
  });
  await Promise.all([...pending]);
  agent.destroy();
  return { outcomes, elapsedMs: performance.now() - started };
}

interface SendResult {
  status: number;
  code: string;
  newConnection: boolean;
  connectMs?: number;
}

function send(agent: http.Agent, port: number, spec: PacedRequest, timeoutMs: number): Promise<SendResult> {
  const t0 = performance.now();
  let connectMs: number | undefined;
  return new Promise<Omit<SendResult, 'connectMs'>>((resolve) => {
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
          resolve({
            status: res.statusCode ?? 0,
            code: codeOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')),
            newConnection: !req.reusedSocket,
          }),
        );
        res.on('error', (error) => resolve({ status: 0, code: `transport:${error.message}`, newConnection: !req.reusedSocket }));
      },
    );
    req.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => (connectMs = performance.now() - t0));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (error) => resolve({ status: 0, code: `transport:${error.message}`, newConnection: !req.reusedSocket }));
    req.end(spec.body);
  }).then((r) => (connectMs === undefined ? r : { ...r, connectMs }));
}

function codeOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { code?: unknown; cached?: unknown };
    if (status === 200) return body.cached === true ? 'cached' : 'issued';
    return typeof body.code === 'string' ? body.code : 'no_code';
  } catch {
    return 'not_json';
  }
}
