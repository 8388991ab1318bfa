/**
 * The one place a request's input is checked against its zod schema and a mismatch becomes a 400 the caller can act
 * on: `invalid_request`, the first problem in `detail`, every problem (path and message) in the `errors` member.
 * The schemas themselves live beside the use case that reads them (credentials/credential-request.ts,
 * uploads/post-policy-request.ts).
 */
import type { z } from 'zod';
import { BrokerError } from '../errors.js';

export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  // A body that is not an object at all gets a plainer word than zod's "expected object, received array".
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BrokerError('invalid_request', 'the request body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new BrokerError('invalid_request', `invalid field ${errors[0]?.path || '(body)'}: ${errors[0]?.message}`, {
      extensions: { errors },
    });
  }
  return result.data;
}
