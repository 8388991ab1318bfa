import path from 'node:path';
import type { LocalStack } from './start-local.js';
import { LOCAL_BUCKET } from './local-config.js';

/** One shell word, whatever the text holds (a LOCAL_PARTNER_API_KEY secret may contain `"`, `$` or a backtick). */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The start-up banner: what runs where, and commands a newcomer can paste to see the whole flow. */
export function localBanner(stack: LocalStack): string {
  const b = stack.brokerUrl;
  const oss = `http://localhost:${stack.oss.port}`;
  const bucket = LOCAL_BUCKET;
  const partnerLine = stack.partnerKeyGenerated
    ? `  partner API key (generated for this run; set LOCAL_PARTNER_API_KEY to fix it):\n    ${stack.partnerApiKey}\n`
    : '  partner API key: from LOCAL_PARTNER_API_KEY\n';
  const accessKeyLines = stack.accessKey.generated
    ? '  emulator AccessKey   LOCAL EMULATORS ONLY, generated for this run (set ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET to fix it):\n' +
      `    ALIBABA_CLOUD_ACCESS_KEY_ID=${stack.accessKey.accessKeyId}\n` +
      `    ALIBABA_CLOUD_ACCESS_KEY_SECRET=${shellQuote(stack.accessKey.accessKeySecret)}\n`
    : '  emulator AccessKey   from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET\n';
  const files = stack.stateFiles;
  const shown = (file: string) => path.relative(process.cwd(), file) || file;
  const stateLines = files
    ? `  for a 2nd process  ${shown(files.dir)}/ (git-ignored): ${path.basename(files.stsCaFile)} = the STS emulator's CA ` +
      `(NODE_EXTRA_CA_CERTS),\n                     ${path.basename(files.productionConfigFile)} = BROKER_CONFIG for ` +
      `npm run start:prod on port ${stack.productionPort} (docs/local-mode.md)\n`
    : '';
  const kmsLine = stack.kms
    ? `  KMS emulator   ${stack.kms.url}   cache key and grant key read from it (LOCAL_KMS=1), refreshed every minute\n`
    : '';
  return `
oss-sts-broker — LOCAL MODE (emulators on loopback; not for production)
  broker         ${b}
  demo page      ${stack.demoUrl}   (sign in, upload from the browser straight to the emulated bucket)
  STS emulator   ${stack.sts.url}   AssumeRole, both signature schemes; AccessKey from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET
  OSS emulator   ${oss}   bucket ${bucket}: checks signatures and STS tokens, enforces each token's session policy
                 (path-style: with ali-oss use { endpoint: '${oss}', sldEnable: true, bucket: '${bucket}' })
${kmsLine}  store          ${stack.store.kind === 'redis' ? 'Redis (REDIS_URL)' : 'in-memory (set REDIS_URL to share a Redis)'}
  profiles       uploads (app users: STS tokens, put, multipart), forms (app users: signed forms only),
                 partner-read (partner key: get, list), partner-upload (credentials URL: put, multipart, get, list)
${partnerLine}  credentials URL (partner-upload, read-write under ${stack.credentialUrl.prefix}; also GET ${b}/dev/credential-url):
    ${stack.credentialUrl.url}
${accessKeyLines}${stateLines}  admin API      ${stack.adminUrl}   (revocations; docs/operations.md)
  admin key      ${stack.adminKeyGenerated ? `${stack.adminKey}   (generated for this run; set LOCAL_ADMIN_KEY to fix it)` : 'from LOCAL_ADMIN_KEY'}

Try it: (as user "cli", so that the demo page's alice keeps her whole byte quota)
  TOKEN=$(curl -s -X POST ${b}/dev/token -H 'content-type: application/json' \\
    -d '{"sub":"cli","tenant":"acme"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s -X POST ${b}/v1/credentials -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"profile":"uploads","files":[{"name":"me.png","size":48211,"contentType":"image/png"}]}'
  curl -s -X POST ${b}/v1/credentials -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"profile":"uploads","dryRun":true}'
  curl -s -X POST ${b}/v1/credentials -H ${shellQuote(`x-api-key: ${stack.partnerApiKey}`)} -H 'content-type: application/json' \\
    -d '{"profile":"partner-read"}'
  BROKER_ADMIN_URL=${stack.adminUrl} BROKER_ADMIN_KEY=${shellQuote(stack.adminKey)} \\
    npx tsx src/cli/admin.ts revoke --tenant acme --sub cli --reason "trying it out"

`;
}
