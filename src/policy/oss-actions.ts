/**
 * Broker operations → OSS RAM actions (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "OSS resources and actions"). One table, so what a profile's
 * `operations` grants can be read in one place.
 *
 * - put        PutObject covers PutObject, PostObject, AppendObject (and the parts of a multipart upload).
 * - multipart  Initiate / UploadPart / Complete are all `oss:PutObject`; a client also needs to list the parts it
 *              sent and abort an upload it gives up on.
 * - get        GetObject covers GetObject, HeadObject, GetObjectMeta.
 * - list       ListObjects is granted on the *bucket* resource (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements: "bucket ARN, not bucket/*"), so it is
 *              confined by a `StringLike oss:Prefix` condition instead of by the resource.
 * - delete     DeleteObject covers DeleteObject and DeleteMultipleObjects.
 */
import type { Operation } from '../config/schema.js';

export type ResourceKind = 'object' | 'bucket';

export interface ActionSpec {
  action: string;
  resource: ResourceKind;
  /**
   * Whether the profile's allowed file types restrict this action (prefix scope: resources `<prefix>*.<ext>`).
   * True for the actions that create objects or belong to creating one; reads, deletes and listing are not
   * restricted, so a client can still see and clean up what it is allowed to see.
   */
  fileTypeScoped: boolean;
}

const PUT: ActionSpec = { action: 'oss:PutObject', resource: 'object', fileTypeScoped: true };

export const OPERATION_ACTIONS: Readonly<Record<Operation, readonly ActionSpec[]>> = Object.freeze({
  put: [PUT],
  multipart: [
    PUT,
    { action: 'oss:AbortMultipartUpload', resource: 'object', fileTypeScoped: true },
    { action: 'oss:ListParts', resource: 'object', fileTypeScoped: true },
  ],
  get: [{ action: 'oss:GetObject', resource: 'object', fileTypeScoped: false }],
  list: [{ action: 'oss:ListObjects', resource: 'bucket', fileTypeScoped: false }],
  delete: [{ action: 'oss:DeleteObject', resource: 'object', fileTypeScoped: false }],
});

/** The distinct actions of some operations, sorted by action name (the order does not depend on the input's). */
export function actionsFor(operations: readonly Operation[]): ActionSpec[] {
  const byName = new Map<string, ActionSpec>();
  for (const operation of operations) {
    const specs = OPERATION_ACTIONS[operation];
    if (specs === undefined) throw new Error(`unknown operation "${String(operation)}"`);
    for (const spec of specs) byName.set(spec.action, spec);
  }
  return [...byName.values()].sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
}
