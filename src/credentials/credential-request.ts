/**
 * The request body of POST /v1/credentials. Strict: unknown fields are refused, so a caller cannot believe it
 * asked for something (say `"bucket"`) that the broker silently ignored. Bounds are generous but finite; the
 * profile's own limits are applied later by the rules. Checked at the edge by http/request-body.ts.
 */
import { z } from 'zod';

const fileSchema = z
  .object({
    name: z.string().min(1).max(1024),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    contentType: z.string().min(1).max(255).optional(),
  })
  .strict();

export const credentialRequestSchema = z
  .object({
    profile: z.string().min(1).max(64),
    files: z.array(fileSchema).max(1000).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

export type CredentialRequest = z.infer<typeof credentialRequestSchema>;
