/**
 * The request body of POST /v1/post-policy. Strict like the credential request (unknown fields are refused), and
 * stricter about files: a signed form pins the exact size limit and Content-Type, so both must be declared.
 */
import { z } from 'zod';
import { BrokerError } from '../errors.js';

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

export function parsePostPolicyRequest(body: unknown): PostPolicyRequest {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BrokerError('invalid_request', 'the request body must be a JSON object');
  }
  const result = postPolicyRequestSchema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new BrokerError('invalid_request', `invalid field ${errors[0]?.path || '(body)'}: ${errors[0]?.message}`, {
      extensions: { errors },
    });
  }
  return result.data;
}
