/**
 * End to end: the read-only partner profile (`get` + `list` under `partners/<tenant>/`, API key, ExternalId role).
 * The objects are written first through the broker too, with a write profile for app users of the partner tenants,
 * so every byte in the emulator arrived through a vended token and the real client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, expectAccessDenied, ossClient, randomBuffer, startStack, type Stack, type Vended } from './stack.js';

let stack: Stack;
let partner: Vended;
const own = { report: randomBuffer(3000), nested: randomBuffer(1500) };
const foreign = randomBuffer(700);

beforeAll(async () => {
  stack = await startStack({
    configPatch: (config) => {
      config.profiles['partner-seed'] = {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn: config.profiles.uploads.roleArn,
        prefix: 'partners/${tenant}/',
        operations: ['put'],
        clients: ['web'],
      };
    },
  });
  const seed1 = ossClient(await stack.vend(await stack.user('seeder', 'partner1'), { profile: 'partner-seed' }));
  await seed1.put('partners/partner1/report.csv', own.report);
  await seed1.put('partners/partner1/2026/11/nested.json', own.nested);
  const seed2 = ossClient(await stack.vend(await stack.user('seeder', 'partner2'), { profile: 'partner-seed' }));
  await seed2.put('partners/partner2/secret.csv', foreign);
  // Something outside partners/ as well, which a wider list would reveal.
  const upl = await stack.vend(await stack.user('alice', 'acme'), { profile: 'uploads' });
  await ossClient(upl).put('uploads/acme/alice/private.png', randomBuffer(100));

  partner = await stack.vend(stack.partner(), { profile: 'partner-read' });
});
afterAll(async () => stack?.close());

describe('a read-only partner token', () => {
  it('is scoped to partners/<tenant>/ with get and list', () => {
    expect(partner.upload).toMatchObject({ bucket: BUCKET, prefix: 'partners/partner1/', operations: ['get', 'list'] });
  });

  it('gets its own objects, byte for byte (V1 path-style, V4, host-style)', async () => {
    const got = await ossClient(partner).get('partners/partner1/report.csv');
    expect(Buffer.from(got.content as Buffer)).toEqual(own.report);
    const v4 = await ossClient(partner, { v4: true }).get('partners/partner1/2026/11/nested.json');
    expect(Buffer.from(v4.content as Buffer)).toEqual(own.nested);
    const host = await ossClient(partner, { hostStyle: true }).get('partners/partner1/report.csv');
    expect(Buffer.from(host.content as Buffer)).toEqual(own.report);
    const head = await ossClient(partner).head('partners/partner1/report.csv');
    expect(Number(head.res.headers['content-length' as keyof typeof head.res.headers])).toBe(own.report.length);
  });

  it('lists its prefix (ListObjects v1 and v2), and sees only its own objects', async () => {
    const v1 = await ossClient(partner).list({ prefix: 'partners/partner1/', 'max-keys': 100 }, {});
    expect((v1.objects ?? []).map((o) => o.name).sort()).toEqual(['partners/partner1/2026/11/nested.json', 'partners/partner1/report.csv']);
    const v2 = await ossClient(partner).listV2({ prefix: 'partners/partner1/2026/', 'max-keys': '100' }, {});
    expect((v2.objects ?? []).map((o) => o.name)).toEqual(['partners/partner1/2026/11/nested.json']);
    const withDelimiter = await ossClient(partner, { v4: true }).list(
      { prefix: 'partners/partner1/', delimiter: '/', 'max-keys': 100 },
      {},
    );
    expect((withDelimiter.objects ?? []).map((o) => o.name)).toEqual(['partners/partner1/report.csv']);
    expect(withDelimiter.prefixes).toEqual(['partners/partner1/2026/']);
  });

  it('cannot list with a wider prefix, another tenant prefix, or no prefix at all', async () => {
    const client = ossClient(partner);
    await expectAccessDenied(client.list({ prefix: 'partners/', 'max-keys': 100 }, {}));
    await expectAccessDenied(client.list({ prefix: 'partners/partner2/', 'max-keys': 100 }, {}));
    // Shares the text of the granted prefix without its trailing slash: partners/partner10/ would match it.
    await expectAccessDenied(client.list({ prefix: 'partners/partner1', 'max-keys': 100 }, {}));
    await expectAccessDenied(client.list({ 'max-keys': 100 }, {}));
    await expectAccessDenied(client.listV2({ prefix: 'uploads/', 'max-keys': '100' }, {}));
  });

  it('cannot get another tenant object or anything outside partners/', async () => {
    const client = ossClient(partner);
    await expectAccessDenied(client.get('partners/partner2/secret.csv'));
    await expectAccessDenied(client.get('uploads/acme/alice/private.png'));
    await expectAccessDenied(ossClient(partner, { hostStyle: true }).get('partners/partner2/secret.csv'));
    // HEAD has no body: ali-oss reads the error from the base64 XML in the x-oss-err header (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header).
    await expectAccessDenied(client.head('partners/partner2/secret.csv'));
  });

  it('cannot put or delete, not even inside its own prefix', async () => {
    const client = ossClient(partner);
    await expectAccessDenied(client.put('partners/partner1/new.csv', randomBuffer(10)));
    await expectAccessDenied(client.put('partners/partner1/report.csv', randomBuffer(10)));
    await expectAccessDenied(client.delete('partners/partner1/report.csv'));
    const still = await client.get('partners/partner1/report.csv');
    expect(Buffer.from(still.content as Buffer)).toEqual(own.report);
  });
});
