/**
 * PostObject policy enforcement with the form a broker signs (V4, ali-oss's signPostObjectPolicyV4): the bucket, the
 * exact key, content-length-range [0, declared], the Content-Type, the V4 signature fields; each way out refused by
 * the storage with OSS's documented code (EC pages https://help.aliyun.com/en/oss/user-guide/0006-00000226,
 * -00000227, https://help.aliyun.com/zh/oss/user-guide/0006-00000228). Also the STS token in the form: its session
 * policy and its expiry apply as for header-signed requests.
 */
import { describe, expect, it } from 'vitest';
import { b64, type Field, inAnHour, multipart, pinned, png, post, v1Fields, v4Fields, xmlEc } from './forms.js';
import { BUCKET, OTHER_BUCKET, emulatorForFile, startEnv, userPolicy, xmlCode } from './helpers.js';

const { env, creds } = emulatorForFile();

const DECLARED = 48;

/** The conditions the broker pins for one declared file. */
function declared(key: string, base: Record<string, string>, extra: unknown[] = [], expiration = inAnHour()) {
  return {
    expiration,
    conditions: [
      { bucket: BUCKET },
      ...pinned(base),
      ['eq', '$key', key],
      ['content-length-range', 0, DECLARED],
      ['eq', '$content-type', 'image/png'],
      ['eq', '$success_action_status', '200'],
      ...extra,
    ],
  };
}

function form(
  key: string,
  opts: { size?: number; type?: string; sendKey?: string; extra?: Field[]; policy?: (b: Record<string, string>) => object } = {},
) {
  const fields = v4Fields(env.oss, creds, opts.policy ?? ((b) => declared(key, b)));
  return multipart(
    [
      ['key', opts.sendKey ?? key],
      ['Content-Type', opts.type ?? 'image/png'],
      ['success_action_status', '200'],
      ...(opts.extra ?? []),
      ...fields,
    ],
    png(opts.size ?? DECLARED),
  );
}

const STATUS: Record<string, number> = { AccessDenied: 403, SignatureDoesNotMatch: 403, SecurityTokenExpired: 403, EntityTooLarge: 400 };

function expectRefused(res: { status: number; body: string }, code: string, ec?: string) {
  expect(res.status).toBe(STATUS[code]);
  expect(xmlCode(res.body)).toBe(code);
  if (ec) expect(xmlEc(res.body)).toBe(ec);
}

describe('a broker-style V4 form', () => {
  it('stores exactly the declared size, type and key', async () => {
    const res = await post(env.oss, form('users/alice/p/ok.png'));
    expect(res.status).toBe(200);
    expect(env.oss.objects.get(BUCKET, 'users/alice/p/ok.png')?.body.length).toBe(DECLARED);
  });

  it('one byte over the declared size: EntityTooLarge', async () => {
    const res = await post(env.oss, form('users/alice/p/big.png', { size: DECLARED + 1 }));
    expectRefused(res, 'EntityTooLarge');
    expect(res.body).toContain(`<MaxSizeAllowed>${DECLARED}</MaxSizeAllowed>`);
    expect(env.oss.objects.get(BUCKET, 'users/alice/p/big.png')).toBeUndefined();
  });

  it('another Content-Type: the eq condition fails', async () => {
    const res = await post(env.oss, form('users/alice/p/page.png', { type: 'text/html' }));
    expectRefused(res, 'AccessDenied', '0006-00000227');
    expect(res.body).toContain('Policy Condition failed: ["eq", "$content-type", "image/png"]');
  });

  it('another key: the eq condition fails', async () => {
    const res = await post(env.oss, form('users/alice/p/declared.png', { sendKey: 'users/alice/p/other.png' }));
    expectRefused(res, 'AccessDenied', '0006-00000227');
    expect(res.body).toContain('["eq", "$key", "users/alice/p/declared.png"]');
    expect(env.oss.objects.get(BUCKET, 'users/alice/p/other.png')).toBeUndefined();
  });

  it('another bucket: the bucket condition fails', async () => {
    const res = await post(env.oss, form('users/alice/p/b.png'), false, OTHER_BUCKET);
    expectRefused(res, 'AccessDenied', '0006-00000227');
    expect(res.body).toContain(`{"bucket":"${BUCKET}"}`);
  });

  it('an expired form: Policy expired.', async () => {
    const res = await post(
      env.oss,
      form('users/alice/p/late.png', {
        policy: (b) => declared('users/alice/p/late.png', b, [], new Date(Date.now() - 1000).toISOString()),
      }),
    );
    expectRefused(res, 'AccessDenied');
    expect(res.body).toContain('Invalid according to Policy: Policy expired.');
  });

  it('an edited policy (wider range, signature kept): SignatureDoesNotMatch, V4 and V1', async () => {
    const key = 'users/alice/p/edited.png';
    // Swap the policy field for a wider one and keep the signature of the original.
    const fields = v4Fields(env.oss, creds, (b) => declared(key, b));
    const wider = fields.map(
      ([k, v]) =>
        [k, k === 'policy' ? b64({ ...JSON.parse(Buffer.from(v, 'base64').toString()), conditions: [{ bucket: BUCKET }] }) : v] as Field,
    );
    const v4 = await post(
      env.oss,
      multipart([['key', key], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...wider], png(500)),
    );
    expectRefused(v4, 'SignatureDoesNotMatch');
    const v1 = v1Fields(env.oss, creds, declared(key, {}));
    const v1Wider = v1.map(
      ([k, v]) => [k, k === 'policy' ? b64({ expiration: inAnHour(), conditions: [{ bucket: BUCKET }] }) : v] as Field,
    );
    const res1 = await post(
      env.oss,
      multipart([['key', key], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...v1Wider], png(500)),
    );
    expectRefused(res1, 'SignatureDoesNotMatch');
    expect(env.oss.objects.get(BUCKET, key)).toBeUndefined();
  });

  it('a condition on a field the form does not carry fails (EC 0006-00000226), whatever the operator', async () => {
    for (const condition of [['eq', '$x-oss-meta-owner', 'alice'], ['not-in', '$cache-control', ['no-cache']], { 'x:grant': 'g' }]) {
      const key = 'users/alice/p/absent.png';
      const res = await post(env.oss, form(key, { policy: (b) => declared(key, b, [condition]) }));
      expectRefused(res, 'AccessDenied', '0006-00000226');
    }
  });

  it('fields the policy does not name are accepted (x-oss-meta-*, Cache-Control)', async () => {
    const key = 'users/alice/p/meta.png';
    const res = await post(
      env.oss,
      form(key, {
        extra: [
          ['x-oss-meta-note', 'hi'],
          ['Cache-Control', 'no-cache'],
        ],
      }),
    );
    expect(res.status).toBe(200);
  });

  it('a V4 signature field the policy does not name: "Extra input fields" (EC 0006-00000228)', async () => {
    const key = 'users/alice/p/extra.png';
    for (const missing of ['x-oss-credential', 'x-oss-date', 'x-oss-signature-version', 'x-oss-security-token']) {
      const policy = (b: Record<string, string>) => declared(key, Object.fromEntries(Object.entries(b).filter(([k]) => k !== missing)));
      const res = await post(env.oss, form(key, { policy }));
      expectRefused(res, 'AccessDenied', '0006-00000228');
      expect(res.body).toContain(`Invalid according to Policy: Extra input fields: ${missing}`);
    }
    expect(env.oss.objects.get(BUCKET, key)).toBeUndefined();
  });
});

describe('the STS token in the form', () => {
  it("its session policy applies: bob's token cannot post under alice's prefix, even with a policy that allows it", async () => {
    const bob = await env.token(userPolicy('bob'));
    const key = 'users/alice/p/by-bob.png';
    const fields = v4Fields(env.oss, bob, (b) => declared(key, b));
    const res = await post(
      env.oss,
      multipart([['key', key], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...fields], png(10)),
    );
    expectRefused(res, 'AccessDenied');
    expect(res.body).toContain("Access denied by authorizer's policy.");
  });

  it('an expired token: SecurityTokenExpired (emulator clock 2 h ahead)', async () => {
    const later = await startEnv({ clock: { now: () => Date.now() + 2 * 3600_000 } });
    try {
      const c = await later.token();
      const key = 'users/alice/p/expired.png';
      const fields = v4Fields(later.oss, c, (b) => declared(key, b, [], new Date(Date.now() + 3 * 3600_000).toISOString()));
      const res = await post(
        later.oss,
        multipart([['key', key], ['Content-Type', 'image/png'], ['success_action_status', '200'], ...fields], png(10)),
      );
      expectRefused(res, 'SecurityTokenExpired');
    } finally {
      await later.close();
    }
  });
});
