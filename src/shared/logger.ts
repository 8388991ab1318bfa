/**
 * The structured logger. Log lines carry a dotted `event` name and the request id. Secrets are removed twice:
 * nothing secret is passed to the logger by design, and these redaction paths catch any header or field that
 * would carry one if a future change slipped (invariant 2). The paths are explicit, without `*` wildcards:
 * wildcard redaction walks every logged object on every line, while the broker's log calls pass flat objects whose
 * fields are known.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { createLogDestination } from './log-destination.js';
import { isoMillis } from './clock.js';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'accessKeySecret',
  'securityToken',
  'credentials',
  'token',
  'apiKey',
  'cause.accessKeySecret',
  'cause.securityToken',
];

/** The last ISO text a line's time was written with, and that field. */
let lastTimeText = '';
let lastTimeField = '';

/**
 * pino's `stdTimeFunctions.isoTime` (the same `,"time":"<ISO>"` fragment, https://getpino.io/#/docs/api?id=timestamp-boolean-function),
 * made once per millisecond (clock.ts `isoMillis`): under load several lines share one (a decision's audit line, the
 * lines around it), and each was a Date, its ISO text and the fragment.
 */
export function isoTimeField(): string {
  const text = isoMillis(Date.now());
  if (text !== lastTimeText) {
    lastTimeField = `,"time":"${text}"`;
    lastTimeText = text;
  }
  return lastTimeField;
}

/** Without a destination: standard output, asynchronous, batched and bounded (log-destination.ts). */
export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'oss-sts-broker' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: isoTimeField,
  };
  return pino(options, destination ?? createLogDestination());
}

export type { Logger };
