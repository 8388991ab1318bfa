/**
 * Grant → inline session policy for AssumeRole. Built as objects and serialized canonically (never concatenated
 * as text), so equal grants give byte-equal policies - the text is part of the token cache key.
 *
 * Shape (one statement per distinct set of actions, holding every resource with that set; statements sorted by
 * their canonical text):
 *  - object actions on `acs:oss:*:*:<bucket>/<prefix>*` (prefix scope) or on each exact key (keys scope), and on
 *    `…/<area prefix>*` for each of the grant's areas with that area's operations;
 *  - in prefix scope with restricted extensions, the write actions (fileTypeScoped in oss-actions.ts) go on
 *    `…/<prefix>*.<ext>` for each allowed extension, lowercase and UPPERCASE (see arn.ts) - so the file types are
 *    enforced by OSS itself, not only by the broker's check of what the client declared;
 *  - oss:ListObjects on the bucket, with `StringLike {"oss:Prefix": "<prefix>*"}` (a list of such values when
 *    several areas may list);
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

/** One prefix the grant reaches and what it may do there: the grant's own (with its keys) or one of its areas. */
interface Reach {
  prefix: string;
  operations: Grant['operations'];
  keys?: string[] | undefined;
}

/** The grant's own prefix first, then its areas (prefix scope). */
export function reachesOf(grant: Grant): Reach[] {
  return [{ prefix: grant.prefix, operations: grant.operations, keys: grant.keys }, ...(grant.areas ?? [])];
}

/** Object resources for one action in one reach: exact keys, the whole prefix, or the prefix limited to allowed extensions. */
function objectResources(grant: Grant, reach: Reach, fileTypeScoped: boolean): string[] {
  if (reach.keys !== undefined) return sortedUnique(reach.keys).map((key) => objectArn(grant.bucket, key));
  const extensions = grant.allowedExtensions ?? [];
  if (fileTypeScoped && extensions.length > 0) {
    return extensionVariants(extensions).map((ext) => objectArn(grant.bucket, `${reach.prefix}*.${ext}`));
  }
  return [objectArn(grant.bucket, `${reach.prefix}*`)];
}

export function buildSessionPolicy(grant: Grant): SessionPolicy {
  if (grant.operations.length === 0) throw new Error(`grant for profile "${grant.profile}" has no operations`);
  if (grant.keys !== undefined && grant.keys.length === 0) {
    throw new Error(`grant for profile "${grant.profile}" has keys scope but no keys`);
  }

  // Each object resource with the actions allowed on it, across the grant's own prefix and its areas; then one
  // statement per distinct action set, holding every resource with that set. Each resource is written once, so an
  // area per team costs one resource (and one oss:Prefix value), not a statement.
  const actionsByResource = new Map<string, Set<string>>();
  const listPrefixes: string[] = [];
  for (const reach of reachesOf(grant)) {
    for (const spec of actionsFor(reach.operations)) {
      if (spec.resource === 'bucket') {
        listPrefixes.push(`${reach.prefix}*`);
        continue;
      }
      for (const resource of objectResources(grant, reach, spec.fileTypeScoped)) {
        const actions = actionsByResource.get(resource) ?? new Set<string>();
        actions.add(spec.action);
        actionsByResource.set(resource, actions);
      }
    }
  }
  const resourcesByActions = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [resource, actionSet] of actionsByResource) {
    const actions = sortedUnique([...actionSet]);
    const key = actions.join('\n');
    const group = resourcesByActions.get(key) ?? { actions, resources: [] };
    group.resources.push(resource);
    resourcesByActions.set(key, group);
  }
  const statements: Statement[] = [...resourcesByActions.values()].map(({ actions, resources }) => ({
    Effect: 'Allow',
    Action: actions,
    Resource: sortedUnique(resources),
  }));
  if (listPrefixes.length > 0) {
    // ListObjects is granted on the bucket and confined by oss:Prefix; several values of one key are ORed
    // (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition"). One prefix stays a plain
    // string, as it was written before areas existed.
    const prefixes = sortedUnique(listPrefixes);
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: [bucketArn(grant.bucket)],
      Condition: { StringLike: { 'oss:Prefix': prefixes.length === 1 ? prefixes[0]! : prefixes } },
    });
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
