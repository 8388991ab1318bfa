/**
 * What a second process needs to use local mode's emulators, written to a git-ignored directory (`.local/` in the
 * checkout, or LOCAL_STATE_DIR): the STS emulator's one-run CA (for NODE_EXTRA_CA_CERTS: Node reads it only when a
 * process starts, so it must be a file), the development issuer's public keys, a production configuration pointing
 * at the emulators, and the emulator AccessKey when local mode generated it. docs/local-mode.md runs
 * `npm run start:prod` with these files.
 *
 * Only loopback development material: the CA signs nothing but the emulator's loopback certificate and lives two
 * days; the AccessKey is accepted by nothing but these emulators. An AccessKey given in the environment (which could
 * be a real one) is never written anywhere.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { stringify as toYaml } from 'yaml';
import type { OidcClientConfig } from '../../src/config/schema.js';
import { type LocalConfigInput, type LocalPorts, localConfigDocument } from './local-config.js';

export interface LocalStateFiles {
  dir: string;
  /** PEM of the STS emulator's CA: NODE_EXTRA_CA_CERTS for a process that calls it. */
  stsCaFile: string;
  /** The development issuer's JWKS: the production configuration's `jwksFile`. */
  jwksFile: string;
  /** A production configuration (BROKER_CONFIG) for the local emulators; secrets from the environment. */
  productionConfigFile: string;
  /** The emulator AccessKey, one value per file; absent when it came from the environment. */
  accessKeyIdFile?: string;
  accessKeySecretFile?: string;
}

export interface LocalStateInput {
  dir: string;
  stsCa: string;
  jwks: JSONWebKeySet;
  devClient: OidcClientConfig;
  ports: LocalPorts & { production: number };
  partnerKey: LocalConfigInput['partnerKey'];
  credentialUrl: NonNullable<LocalConfigInput['credentialUrl']>;
  /** Written only when local mode generated it. */
  generatedAccessKey?: { accessKeyId: string; accessKeySecret: string } | undefined;
}

const HEADER = `# Written by local mode (npm start) for this run: a production configuration whose STS and OSS are the local
# emulators. Regenerated at every start; do not edit. Run it as docs/local-mode.md shows (npm run start:prod):
# secrets (Redis URL, cache key, grant key) come from the environment, as in production.
`;

/** The production build's configuration: local mode's profiles and clients, on its own port, nothing generated. */
function productionDocument(input: LocalStateInput, jwksFile: string): Record<string, unknown> {
  const { jwksUri: _served, ...client } = input.devClient;
  const document = localConfigDocument({
    ports: { broker: input.ports.production, sts: input.ports.sts, oss: input.ports.oss },
    devClient: { ...client, jwksFile },
    partnerKey: input.partnerKey,
    credentialUrl: input.credentialUrl,
    grantKeyBase64: null,
  });
  // Its own counters beside a local mode that shares the Redis (REDIS_URL).
  return { ...document, redis: { keyPrefix: 'osb:local-prod:' } };
}

export function writeLocalState(input: LocalStateInput): LocalStateFiles {
  const dir = path.resolve(input.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: LocalStateFiles = {
    dir,
    stsCaFile: path.join(dir, 'sts-ca.pem'),
    jwksFile: path.join(dir, 'dev-jwks.json'),
    productionConfigFile: path.join(dir, 'production.yaml'),
  };
  writeFileSync(files.stsCaFile, input.stsCa, { mode: 0o644 });
  writeFileSync(files.jwksFile, `${JSON.stringify(input.jwks, null, 2)}\n`, { mode: 0o644 });
  writeFileSync(files.productionConfigFile, HEADER + toYaml(productionDocument(input, files.jwksFile)), { mode: 0o644 });
  const idFile = path.join(dir, 'access-key-id');
  const secretFile = path.join(dir, 'access-key-secret');
  if (input.generatedAccessKey === undefined) {
    // A key from the environment stays there; one a previous run wrote would no longer be accepted.
    rmSync(idFile, { force: true });
    rmSync(secretFile, { force: true });
    return files;
  }
  writeFileSync(idFile, input.generatedAccessKey.accessKeyId, { mode: 0o600 });
  writeFileSync(secretFile, input.generatedAccessKey.accessKeySecret, { mode: 0o600 });
  // writeFileSync's mode applies only to a new file.
  chmodSync(secretFile, 0o600);
  return { ...files, accessKeyIdFile: idFile, accessKeySecretFile: secretFile };
}
