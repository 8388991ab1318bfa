/**
 * The request body of POST /v1/post-policy. Strict like the credential request (unknown fields are refused), and
 * stricter about files: a signed form pins the exact size limit and Content-Type, so both must be declared.
 * Checked at the edge by http/request-body.ts.
 */
import { z } from 'zod';

const fileSchema = z
  .object({
    name: z.string().min(1).max(1024),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    contentType: z.string().min(1).max(255),
  })
  .strict();

export const postPolicyRequestSchema = z
  .object({
    profile: z.string().min(1).max(64),
    files: z.array(fileSchema).min(1).max(100),
  })
  .strict();

export type PostPolicyRequest = z.infer<typeof postPolicyRequestSchema>;
