/**
 * Which operation a request is, from method, bucket/object level and sub-resources, and its RAM action and resource
 * (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "OSS resources and actions"). Anything outside the modelled set answers NotImplemented.
 */
import { ERRORS, ossError } from './oss-error.js';

type OperationName =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'GetObjectMeta'
  | 'DeleteObject'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'PostObject'
  | 'GetBucketPolicy'
  | 'PutBucketPolicy'
  | 'DeleteBucketPolicy';

export interface Operation {
  name: OperationName;
  /** The RAM action checked for it (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements table). */
  action: string;
  /** Object operations are authorized on `bucket/key`, ListObjects on the bucket ARN. */
  level: 'object' | 'bucket';
}

const ACTIONS: Record<OperationName, string> = {
  PutObject: 'oss:PutObject',
  PostObject: 'oss:PutObject',
  InitiateMultipartUpload: 'oss:PutObject',
  UploadPart: 'oss:PutObject',
  CompleteMultipartUpload: 'oss:PutObject',
  GetObject: 'oss:GetObject',
  HeadObject: 'oss:GetObject',
  GetObjectMeta: 'oss:GetObject',
  ListParts: 'oss:ListParts',
  AbortMultipartUpload: 'oss:AbortMultipartUpload',
  DeleteObject: 'oss:DeleteObject',
  ListObjects: 'oss:ListObjects',
  ListObjectsV2: 'oss:ListObjects',
  GetBucketPolicy: 'oss:GetBucketPolicy',
  PutBucketPolicy: 'oss:PutBucketPolicy',
  DeleteBucketPolicy: 'oss:DeleteBucketPolicy',
};

/** `?policy` on the bucket (https://www.alibabacloud.com/help/doc-detail/154887.htm and its Put/Delete siblings). */
const POLICY_OPERATIONS: Readonly<Record<string, OperationName>> = {
  GET: 'GetBucketPolicy',
  PUT: 'PutBucketPolicy',
  DELETE: 'DeleteBucketPolicy',
};

/** Sub-resources this emulator does not model (ACL, CORS configuration, lifecycle, …; `policy` on an object). */
const UNMODELLED = [
  'acl',
  'cors',
  'lifecycle',
  'logging',
  'website',
  'referer',
  'tagging',
  'policy',
  'uploads',
  'versioning',
  'versions',
  'delete',
  'append',
  'symlink',
  'restore',
  'objectMeta',
  'location',
  'bucketInfo',
  'encryption',
  'x-oss-process',
  'stat',
  'worm',
  'inventory',
  'replication',
];

function op(name: OperationName): Operation {
  return {
    name,
    action: ACTIONS[name],
    level: ['ListObjects', 'ListObjectsV2', 'PostObject', 'GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy'].includes(name)
      ? 'bucket'
      : 'object',
  };
}

export function route(method: string, hasKey: boolean, q: ReadonlyMap<string, string>): Operation {
  const has = (k: string) => q.has(k);
  const unmodelled = () => UNMODELLED.some(has);
  if (!hasKey) {
    const policyOperation = POLICY_OPERATIONS[method];
    if (has('policy') && policyOperation !== undefined) return op(policyOperation);
    if (method === 'GET' && !unmodelled()) return op(q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
    if (method === 'POST' && q.size === 0) return op('PostObject');
    if (['GET', 'POST', 'PUT', 'DELETE', 'HEAD'].includes(method)) throw ossError(ERRORS.notImplemented);
    throw ossError(ERRORS.methodNotAllowed);
  }
  switch (method) {
    case 'PUT':
      if (has('partNumber') || has('uploadId')) return op('UploadPart');
      if (unmodelled()) throw ossError(ERRORS.notImplemented);
      return op('PutObject');
    case 'GET':
      if (has('uploadId')) return op('ListParts');
      if (unmodelled()) throw ossError(ERRORS.notImplemented);
      return op('GetObject');
    case 'HEAD':
      // https://www.alibabacloud.com/help/en/oss/developer-reference/getobjectmeta: `HEAD /key?objectMeta`.
      if (has('objectMeta') && !has('versionId')) return op('GetObjectMeta');
      if (unmodelled()) throw ossError(ERRORS.notImplemented);
      return op('HeadObject');
    case 'DELETE':
      if (has('uploadId')) return op('AbortMultipartUpload');
      if (unmodelled()) throw ossError(ERRORS.notImplemented);
      return op('DeleteObject');
    case 'POST':
      if (has('uploads')) return op('InitiateMultipartUpload');
      if (has('uploadId')) return op('CompleteMultipartUpload');
      throw ossError(ERRORS.notImplemented);
    default:
      throw ossError(ERRORS.methodNotAllowed);
  }
}
