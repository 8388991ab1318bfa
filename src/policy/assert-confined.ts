/**
 * The last line of defence for README security property 1. The rules already refuse any value that could widen a
 * resource; this re-checks the finished document against the grant, so a future bug in the builder or the rules
 * becomes a 500 instead of a token that reaches outside `bucket/<prefix>`.
 *
 * Every resource must be one of:
 *  - `acs:oss:*:*:<bucket>/<prefix>*`             the builder's own trailing wildcard (prefix scope);
 *  - `acs:oss:*:*:<bucket>/<prefix>*.<ext>`       an allowed extension variant (prefix scope);
 *  - `acs:oss:*:*:<bucket>/<key>`                 a granted exact key, with no wildcard at all (keys scope);
 *  - `acs:oss:*:*:<bucket>`                       only for oss:ListObjects, with StringLike oss:Prefix `<prefix>*`.
 */
import { BrokerError } from '../errors.js';
import type { Grant } from '../rules/grant.js';
import { bucketArn, extensionVariants, objectArn } from './arn.js';
import type { PolicyDocument, Statement } from './types.js';

const WILDCARD = /[*?]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

function fail(reason: string): never {
  throw new BrokerError('internal', `session policy failed the confinement check: ${reason}`);
}

function assertGrantShape(grant: Grant): void {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(grant.bucket)) fail('bucket name');
  const p = grant.prefix;
  if (!p.endsWith('/') || p.startsWith('/')) fail('prefix must end, and not start, with "/"');
  if (WILDCARD.test(p) || CONTROL.test(p) || p.includes('${') || p.includes('\\')) fail('unsafe prefix');
  if (
    p
      .slice(0, -1)
      .split('/')
      .some((s) => s === '' || s === '.' || s === '..')
  )
    fail('prefix has an empty or dot segment');
  for (const key of grant.keys ?? []) {
    if (!key.startsWith(p) || key.length === p.length) fail('a key is outside the prefix');
    const name = key.slice(p.length);
    if (WILDCARD.test(name) || CONTROL.test(name) || name.includes('${') || name.includes('..') || name.includes('/')) {
      fail('unsafe key');
    }
  }
}

function assertListStatement(statement: Statement, prefix: string): void {
  if (statement.Action.length !== 1 || statement.Action[0] !== 'oss:ListObjects') {
    fail('the bucket resource may only carry oss:ListObjects');
  }
  const values = statement.Condition?.StringLike?.['oss:Prefix'];
  const list = typeof values === 'string' ? [values] : (values ?? []);
  if (list.length === 0 || list.some((v) => v !== `${prefix}*`)) fail('ListObjects is not confined to the prefix');
}

export function assertPolicyConfined(document: PolicyDocument, grant: Grant): void {
  assertGrantShape(grant);
  if (document.Version !== '1' || document.Statement.length === 0) fail('empty or unversioned document');

  const bucket = bucketArn(grant.bucket);
  const base = objectArn(grant.bucket, grant.prefix);
  const keys = new Set(grant.keys ?? []);
  const patterns = new Set<string>();
  if (grant.keys === undefined) {
    patterns.add('*');
    for (const ext of extensionVariants(grant.allowedExtensions ?? [])) patterns.add(`*.${ext}`);
  }

  for (const statement of document.Statement) {
    if (statement.Effect !== 'Allow') fail('only Allow statements are expected');
    if (statement.Resource.length === 0 || statement.Action.length === 0) fail('empty statement');
    for (const resource of statement.Resource) {
      if (resource === bucket) {
        assertListStatement(statement, grant.prefix);
        continue;
      }
      if (!resource.startsWith(base)) fail('a resource is outside bucket/prefix');
      const rest = resource.slice(base.length);
      if (patterns.has(rest)) continue;
      if (rest === '' || WILDCARD.test(rest) || rest.includes('${')) fail('a resource has a wildcard of its own');
      if (!keys.has(grant.prefix + rest)) fail('a resource names a key that was not granted');
    }
  }
}
