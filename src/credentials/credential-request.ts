/**
 * The request body of POST /v1/credentials. Strict: unknown fields are refused, so a caller cannot believe it
 * asked for something (say `"bucket"`) that the broker silently ignored. Bounds are generous but finite; the
 * profile's own limits are applied later by the rules.
 */
import { z } from 'zod';
import { BrokerError } from '../errors.js';

const fileSchema = z
  .object({
    name: z.string().min(1).max(1024),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    contentType: z.string().min(1).max(255).optional(),
  })
  .strict();

const credentialRequestSchema = z
  .object({
    profile: z.string().min(1).max(64),
    files: z.array(fileSchema).max(1000).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

export type CredentialRequest = z.infer<typeof credentialRequestSchema>;

export function parseCredentialRequest(body: unknown): CredentialRequest {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BrokerError('invalid_request', 'the request body must be a JSON object');
  }
  const result = credentialRequestSchema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new BrokerError('invalid_request', `invalid field ${errors[0]?.path || '(body)'}: ${errors[0]?.message}`, {
      extensions: { errors },
    });
  }
  return result.data;
}
