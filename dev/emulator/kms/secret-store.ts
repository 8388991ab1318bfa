/**
 * Secrets Manager's versions and stages, in memory. A new version (PutSecretValue) takes ACSCurrent; the version that
 * had it takes ACSPrevious; the one before loses every stage
 * (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-putsecretvalue).
 */
export const ACS_CURRENT = 'ACSCurrent';
export const ACS_PREVIOUS = 'ACSPrevious';

export interface StoredVersion {
  versionId: string;
  value: string;
  stages: string[];
  /** ISO 8601, second precision, Z: the form KMS answers CreateTime in. */
  createTime: string;
}

export class SecretStore {
  private readonly secrets = new Map<string, StoredVersion[]>();

  constructor(private readonly now: () => number) {}

  /** Adds a version holding `value` and moves the stages; returns its version id. */
  put(name: string, value: string, versionId?: string): string {
    const versions = this.secrets.get(name) ?? [];
    const id = versionId ?? `v${versions.length + 1}`;
    if (versions.some((v) => v.versionId === id)) throw new Error(`KMS emulator: secret ${name} already has version ${id}`);
    for (const v of versions) {
      if (v.stages.includes(ACS_PREVIOUS)) v.stages = v.stages.filter((s) => s !== ACS_PREVIOUS);
      if (v.stages.includes(ACS_CURRENT)) v.stages = [...v.stages.filter((s) => s !== ACS_CURRENT), ACS_PREVIOUS];
    }
    const createTime = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    versions.push({ versionId: id, value, stages: [ACS_CURRENT], createTime });
    this.secrets.set(name, versions);
    return id;
  }

  has(name: string): boolean {
    return this.secrets.has(name);
  }

  /** The version with that id and/or stage (ACSCurrent when neither is given); undefined when there is none. */
  find(name: string, stage: string | undefined, versionId: string | undefined): StoredVersion | undefined {
    const versions = this.secrets.get(name);
    if (versions === undefined) return undefined;
    if (versionId !== undefined) {
      const v = versions.find((x) => x.versionId === versionId);
      return v !== undefined && (stage === undefined || v.stages.includes(stage)) ? v : undefined;
    }
    const wanted = stage ?? ACS_CURRENT;
    return versions.find((v) => v.stages.includes(wanted));
  }
}
