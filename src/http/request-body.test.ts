/** Both request schemas go through one mapping: a 400 `invalid_request` naming the first problem, listing them all. */
import { describe, expect, it } from 'vitest';
import { credentialRequestSchema } from '../credentials/credential-request.js';
import { postPolicyRequestSchema } from '../uploads/post-policy-request.js';
import { BrokerError } from '../errors.js';
import { parseBody } from './request-body.js';

function refusal(run: () => unknown): { code: string; status: number; detail: string; extensions: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    return { code: error.code, status: error.status, detail: error.detail, extensions: error.extensions };
  }
  throw new Error('expected a refusal');
}

describe('parseBody', () => {
  it('returns the parsed request', () => {
    expect(parseBody(credentialRequestSchema, { profile: 'p', dryRun: true })).toEqual({ profile: 'p', dryRun: true });
    const files = [{ name: 'a.png', size: 1, contentType: 'image/png' }];
    expect(parseBody(postPolicyRequestSchema, { profile: 'p', files })).toEqual({ profile: 'p', files });
  });

  it('refuses a body that is not a JSON object', () => {
    for (const body of [undefined, null, 'profile', 7, [{ profile: 'p' }]]) {
      expect(
        refusal(() => parseBody(credentialRequestSchema, body)),
        JSON.stringify(body),
      ).toEqual({
        code: 'invalid_request',
        status: 400,
        detail: 'the request body must be a JSON object',
        extensions: {},
      });
    }
  });

  it('names the first invalid field and lists every problem, for either schema', () => {
    const credentials = refusal(() => parseBody(credentialRequestSchema, { profile: '', files: [{ name: 'a', size: -1 }] }));
    expect(credentials.code).toBe('invalid_request');
    expect(credentials.detail).toMatch(/^invalid field profile: /);
    expect((credentials.extensions.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['profile', 'files.0.size']);

    const forms = refusal(() => parseBody(postPolicyRequestSchema, { profile: 'p', files: [{ name: 'a.png', size: 1 }] }));
    expect(forms.code).toBe('invalid_request');
    expect(forms.detail).toMatch(/^invalid field files\.0\.contentType: /);
    expect(forms.extensions.errors).toEqual([{ path: 'files.0.contentType', message: expect.any(String) }]);
  });

  it('names the body itself for a problem without a path (an unknown field)', () => {
    const unknown = refusal(() => parseBody(credentialRequestSchema, { profile: 'p', bucket: 'other' }));
    expect(unknown.detail).toMatch(/^invalid field \(body\): .*bucket/);
    expect(unknown.extensions.errors).toEqual([{ path: '', message: expect.stringContaining('bucket') }]);
  });
});
