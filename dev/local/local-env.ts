/**
 * What local mode reads from its environment, each checked with the variable named: ports, the emulator AccessKey
 * (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, or generated for the run) and the partner key (LOCAL_PARTNER_API_KEY, or
 * generated for the run).
 */
import { randomBytes } from 'node:crypto';
import { generateApiKey, hashApiKeySecret } from '../../src/auth/index.js';
import { ConfigError } from '../../src/config/config-error.js';

export function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError([`${name}: not a port number: ${raw}`]);
  return value;
}

/** The broker's own AccessKey pair for the emulator: from the environment, or generated and put there. */
export function localAccessKey(env: NodeJS.ProcessEnv): { accessKeyId: string; accessKeySecret: string; generated: boolean } {
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (id && secret) return { accessKeyId: id, accessKeySecret: secret, generated: false };
  const generated = { accessKeyId: `LTAIlocal${randomBytes(8).toString('hex')}`, accessKeySecret: randomBytes(24).toString('base64url') };
  // The credentials default chain reads these variables (https://github.com/aliyun/credentials-nodejs#credential-provider-chain, step 1): the same path as production.
  env.ALIBABA_CLOUD_ACCESS_KEY_ID = generated.accessKeyId;
  env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = generated.accessKeySecret;
  return { ...generated, generated: true };
}

export function partnerKey(env: NodeJS.ProcessEnv): { keyId: string; sha256: string; header: string; generated: boolean } {
  const given = env.LOCAL_PARTNER_API_KEY;
  if (given === undefined || given === '') {
    const key = generateApiKey('partner1-local');
    return { keyId: key.keyId, sha256: key.sha256, header: key.header, generated: true };
  }
  const match = /^([A-Za-z0-9_-]{4,64})\.([\x21-\x7e]{8,512})$/.exec(given);
  if (!match) {
    throw new ConfigError([
      'LOCAL_PARTNER_API_KEY: must be <keyId>.<secret>: keyId 4-64 of A-Z a-z 0-9 _ -, secret 8-512 visible ASCII characters',
    ]);
  }
  return { keyId: match[1]!, sha256: hashApiKeySecret(match[2]!), header: given, generated: false };
}
