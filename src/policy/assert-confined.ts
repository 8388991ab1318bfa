/**
 * The last line of defence for README security property 1. The rules already refuse any value that could widen a
 * resource; this re-checks the finished document against the grant, so a future bug in the builder or the rules
 * becomes a 500 instead of a token that reaches outside `bucket/<prefix>`.
 *
 * Every resource must be one of these, and carry only actions the grant allows there (`<prefix>` is the grant's
 * own or one of its areas'):
 *  - `acs:oss:*:*:<bucket>/<prefix>*`             the builder's own trailing wildcard (prefix scope; with file
 *                                                 types, not for the write actions);
 *  - `acs:oss:*:*:<bucket>/<prefix>*.<ext>`       an allowed extension variant, for the write actions;
 *  - `acs:oss:*:*:<bucket>/<key>`                 a granted exact key, with no wildcard at all (keys scope);
 *  - `acs:oss:*:*:<bucket>`                       only for oss:ListObjects, with StringLike oss:Prefix values
 *                                                 `<prefix>*` of prefixes whose operations include `list`.
 */
import { BrokerError } from '../errors.js';
import type { Grant } from '../rules/grant.js';
import { bucketArn, extensionVariants, objectArn } from './arn.js';
import { actionsFor } from './oss-actions.js';
import type { PolicyDocument, Statement } from './types.js';

const WILDCARD = /[*?]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

function fail(reason: string): never {
  throw new BrokerError('internal', `session policy failed the confinement check: ${reason}`);
}

function assertPrefixShape(p: string): void {
  if (!p.endsWith('/') || p.startsWith('/')) fail('prefix must end, and not start, with "/"');
  if (WILDCARD.test(p) || CONTROL.test(p) || p.includes('${') || p.includes('\\')) fail('unsafe prefix');
  if (
    p
      .slice(0, -1)
      .split('/')
      .some((s) => s === '' || s === '.' || s === '..')
  )
    fail('prefix has an empty or dot segment');
}

function assertGrantShape(grant: Grant): void {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(grant.bucket)) fail('bucket name');
  const p = grant.prefix;
  assertPrefixShape(p);
  for (const area of grant.areas ?? []) assertPrefixShape(area.prefix);
  for (const key of grant.keys ?? []) {
    if (!key.startsWith(p) || key.length === p.length) fail('a key is outside the prefix');
    const name = key.slice(p.length);
    if (WILDCARD.test(name) || CONTROL.test(name) || name.includes('${') || name.includes('..') || name.includes('/')) {
      fail('unsafe key');
    }
  }
}

/**
 * What the grant allows, worked out from the grant alone (not from the builder's grouping): each object resource
 * the policy may name with the actions allowed on it, and the `oss:Prefix` values ListObjects may carry.
 */
function allowedReach(grant: Grant): { objects: Map<string, Set<string>>; listPrefixes: Set<string> } {
  const objects = new Map<string, Set<string>>();
  const listPrefixes = new Set<string>();
  const allow = (resource: string, action: string) => {
    const actions = objects.get(resource) ?? new Set<string>();
    actions.add(action);
    objects.set(resource, actions);
  };
  const variants = extensionVariants(grant.allowedExtensions ?? []);
  const reaches = [{ prefix: grant.prefix, operations: grant.operations, keys: grant.keys }, ...(grant.areas ?? [])];
  for (const reach of reaches) {
    for (const spec of actionsFor(reach.operations)) {
      if (spec.resource === 'bucket') {
        listPrefixes.add(`${reach.prefix}*`);
      } else if ('keys' in reach && reach.keys !== undefined) {
        for (const key of reach.keys) allow(objectArn(grant.bucket, key), spec.action);
      } else if (spec.fileTypeScoped && variants.length > 0) {
        // With file types, a write action belongs on `<prefix>*.<ext>` only: on `<prefix>*` it would drop them.
        for (const ext of variants) allow(objectArn(grant.bucket, `${reach.prefix}*.${ext}`), spec.action);
      } else {
        allow(objectArn(grant.bucket, `${reach.prefix}*`), spec.action);
      }
    }
  }
  return { objects, listPrefixes };
}

function assertListStatement(statement: Statement, listPrefixes: ReadonlySet<string>): void {
  if (statement.Action.length !== 1 || statement.Action[0] !== 'oss:ListObjects') {
    fail('the bucket resource may only carry oss:ListObjects');
  }
  const values = statement.Condition?.StringLike?.['oss:Prefix'];
  const list = typeof values === 'string' ? [values] : (values ?? []);
  if (list.length === 0 || list.some((v) => !listPrefixes.has(v))) fail('ListObjects is not confined to the prefix');
}

export function assertPolicyConfined(document: PolicyDocument, grant: Grant): void {
  assertGrantShape(grant);
  if (document.Version !== '1' || document.Statement.length === 0) fail('empty or unversioned document');

  const bucket = bucketArn(grant.bucket);
  const { objects, listPrefixes } = allowedReach(grant);
  for (const statement of document.Statement) {
    if (statement.Effect !== 'Allow') fail('only Allow statements are expected');
    if (statement.Resource.length === 0 || statement.Action.length === 0) fail('empty statement');
    for (const resource of statement.Resource) {
      if (resource === bucket) {
        assertListStatement(statement, listPrefixes);
        continue;
      }
      const allowed = objects.get(resource);
      if (allowed === undefined) fail('a resource is outside what the grant reaches');
      for (const action of statement.Action) {
        if (!allowed.has(action)) fail(`${action} is not granted on one of its resources`);
      }
    }
  }
}
