/**
 * A partner backend that can only be given a URL: the real @alicloud/credentials URI provider fetches credentials
 * from the broker's credentials URL (flat Alibaba format), and ali-oss uploads with them to the OSS emulator, which
 * checks the signature, the STS token and the session policy. Once in this process with `credentialsURI`, and once as
 * the snippet docs/clients.md shows in a plain Node process configured by ALIBABA_CLOUD_CREDENTIALS_URI.
 */
import { execFile } from 'node:child_process';
import { Agent, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import CredentialModule, { Config as CredentialConfig } from '@alicloud/credentials';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialUrl } from '../../src/auth/index.js';
import { BUCKET, expectAccessDenied, ossFailure, startStack, storedObject, type Stack } from './stack.js';
import { UPLOAD_ROLE } from '../helpers/broker.js';

// CommonJS with a `default` inside (https://nodejs.org/api/esm.html#commonjs-namespaces); vitest's loader may already have unwrapped it.
type CredentialClass = typeof CredentialModule.default;
const Credential: CredentialClass =
  (CredentialModule as { default?: CredentialClass }).default ?? (CredentialModule as unknown as CredentialClass);

const url = generateCredentialUrl('cu_partner_upload');
const revoked = generateCredentialUrl('cu_partner_old');
let stack: Stack;
let server: Server;
let base: string;

beforeAll(async () => {
  stack = await startStack({
    configPatch: (c) => {
      c.profiles['partner-upload'] = {
        bucket: BUCKET,
        region: 'cn-hangzhou',
        roleArn: UPLOAD_ROLE,
        prefix: 'partners/${tenant}/',
        operations: ['put'],
        clients: ['partner'],
      };
      const partner = c.clients.find((client: { id: string }) => client.id === 'partner');
      partner.credentialUrls = [
        { id: url.id, sha256: url.sha256, profile: 'partner-upload' },
        { id: revoked.id, sha256: revoked.sha256, profile: 'partner-upload', revoked: true },
      ];
    },
  });
  server = stack.broker.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await stack.close();
});

const credentialsUrl = (param: string) => `${base}/v1/credentials/partner-upload?format=alibaba&credential=${param}`;
const ossTarget = () => ({
  bucket: BUCKET,
  region: 'oss-cn-hangzhou',
  endpoint: stack.oss.endpointPathStyle,
  sldEnable: true,
  agent: new Agent({ keepAlive: false }),
});

describe('@alicloud/credentials URI provider against a credentials URL', () => {
  it('gets credentials the OSS emulator accepts, confined to the partner prefix', async () => {
    const credential = new Credential(new CredentialConfig({ type: 'credentials_uri', credentialsURI: credentialsUrl(url.param) }));
    const { accessKeyId, accessKeySecret, securityToken } = await credential.getCredential();
    expect(accessKeyId).toMatch(/^STS\./);
    const client = new OSS({ ...ossTarget(), accessKeyId, accessKeySecret, stsToken: securityToken } as unknown as OSS.Options);
    await client.put('partners/partner1/report.csv', Buffer.from('a,b\n1,2\n'));
    expect(storedObject(stack.oss, BUCKET, 'partners/partner1/report.csv')?.toString()).toBe('a,b\n1,2\n');
    await expectAccessDenied(client.put('partners/partner2/report.csv', Buffer.from('x')));
    expect(stack.broker.audit.at(-1)).toMatchObject({
      event: 'credentials.issued',
      profile: 'partner-upload',
      principal: { kind: 'partner', subject: url.id, tenant: 'partner1' },
    });
  });

  it('a revoked credentials URL gets no credentials, and the error names no secret', async () => {
    const credential = new Credential(new CredentialConfig({ type: 'credentials_uri', credentialsURI: credentialsUrl(revoked.param) }));
    const error = (await ossFailure(credential.getCredential())) as { message?: string };
    expect(error.message).toContain('"ErrorCode":"unauthenticated"');
    expect(error.message).not.toContain(revoked.secret);
  });

  it('runs the partner snippet of docs/clients.md in plain Node with ALIBABA_CLOUD_CREDENTIALS_URI', async () => {
    const runner = fileURLToPath(new URL('../clients/run-partner-upload.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [runner], {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        ALIBABA_CLOUD_CREDENTIALS_URI: credentialsUrl(url.param),
        OSS_BUCKET: BUCKET,
        OSS_REGION: 'oss-cn-hangzhou',
        OSS_ENDPOINT: stack.oss.endpointPathStyle,
        OSS_KEY: 'partners/partner1/from-node.txt',
        OSS_BODY: 'uploaded by a partner backend',
      },
    });
    expect(JSON.parse(stdout.trim())).toEqual({ ok: true, status: 200 });
    expect(storedObject(stack.oss, BUCKET, 'partners/partner1/from-node.txt')?.toString()).toBe('uploaded by a partner backend');
  });
});
