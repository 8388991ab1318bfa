/**
 * Grant → inline session policy for AssumeRole. Built as objects and serialized canonically (never concatenated
 * as text), so equal grants give byte-equal policies - the text is part of the token cache key.
 *
 * Shape (statements are grouped by resource list, then sorted by their canonical text):
 *  - object actions on `acs:oss:*:*:<bucket>/<prefix>*` (prefix scope) or on each exact key (keys scope);
 *  - in prefix scope with restricted extensions, the write actions (fileTypeScoped in oss-actions.ts) go on
 *    `…/<prefix>*.<ext>` for each allowed extension, lowercase and UPPERCASE (see arn.ts) - so the file types are
 *    enforced by OSS itself, not only by the broker's check of what the client declared;
 *  - oss:ListObjects on the bucket, with `StringLike {"oss:Prefix": "<prefix>*"}`;
 *  - `IpAddress acs:SourceIp` and `Bool acs:SecureTransport "true"` on every statement when configured.
 *    `secureTransport: false` means "not required", not "HTTP only", so it adds no condition.
 */
import type { Grant } from '../rules/grant.js';
import { bucketArn, extensionVariants, objectArn } from './arn.js';
import { assertPolicyConfined } from './assert-confined.js';
import { canonicalJson } from './canonical-json.js';
import { actionsFor } from './oss-actions.js';
import type { ConditionBlock, PolicyDocument, SessionPolicy, Statement } from './types.js';

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** The conditions every statement carries; an empty block when the profile configures none. */
function commonConditions(grant: Grant): ConditionBlock {
  const block: ConditionBlock = {};
  if (grant.sourceIp !== undefined && grant.sourceIp.length > 0) {
    block.IpAddress = { 'acs:SourceIp': sortedUnique(grant.sourceIp) };
  }
  if (grant.secureTransport === true) block.Bool = { 'acs:SecureTransport': 'true' };
  return block;
}

function withConditions(statement: Statement, extra: ConditionBlock): Statement {
  const condition: ConditionBlock = { ...extra, ...statement.Condition };
  return Object.keys(condition).length === 0 ? statement : { ...statement, Condition: condition };
}

/** Object resources for one action: exact keys, the whole prefix, or the prefix limited to allowed extensions. */
function objectResources(grant: Grant, fileTypeScoped: boolean): string[] {
  if (grant.keys !== undefined) return sortedUnique(grant.keys).map((key) => objectArn(grant.bucket, key));
  const extensions = grant.allowedExtensions ?? [];
  if (fileTypeScoped && extensions.length > 0) {
    return extensionVariants(extensions).map((ext) => objectArn(grant.bucket, `${grant.prefix}*.${ext}`));
  }
  return [objectArn(grant.bucket, `${grant.prefix}*`)];
}

export function buildSessionPolicy(grant: Grant): SessionPolicy {
  if (grant.operations.length === 0) throw new Error(`grant for profile "${grant.profile}" has no operations`);
  if (grant.keys !== undefined && grant.keys.length === 0) {
    throw new Error(`grant for profile "${grant.profile}" has keys scope but no keys`);
  }

  // Group object actions that share exactly the same resources into one statement (smaller policy).
  const groups = new Map<string, { actions: string[]; resources: string[] }>();
  const statements: Statement[] = [];
  for (const spec of actionsFor(grant.operations)) {
    if (spec.resource === 'bucket') {
      statements.push({
        Effect: 'Allow',
        Action: [spec.action],
        Resource: [bucketArn(grant.bucket)],
        Condition: { StringLike: { 'oss:Prefix': `${grant.prefix}*` } },
      });
      continue;
    }
    const resources = objectResources(grant, spec.fileTypeScoped);
    const groupKey = resources.join('\n');
    const group = groups.get(groupKey) ?? { actions: [], resources };
    group.actions.push(spec.action);
    groups.set(groupKey, group);
  }
  for (const { actions, resources } of groups.values()) {
    statements.push({ Effect: 'Allow', Action: sortedUnique(actions), Resource: resources });
  }

  const conditions = commonConditions(grant);
  const ordered = statements
    .map((statement) => withConditions(statement, conditions))
    .map((statement) => ({ statement, text: canonicalJson(statement) }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map(({ statement }) => statement);

  const document: PolicyDocument = { Version: '1', Statement: ordered };
  assertPolicyConfined(document, grant);
  return { document, json: canonicalJson(document) };
}
