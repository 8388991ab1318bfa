/**
 * The structured logger. Log lines carry a dotted `event` name and the request id. Secrets are removed twice:
 * nothing secret is passed to the logger by design, and these redaction paths catch any header or field that
 * would carry one if a future change slipped (invariant 2).
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'accessKeySecret',
  'securityToken',
  'credentials',
  '*.accessKeySecret',
  '*.securityToken',
  '*.AccessKeySecret',
  '*.SecurityToken',
  '*.credentials',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
];

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'oss-sts-broker' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
