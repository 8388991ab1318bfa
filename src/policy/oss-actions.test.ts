import { describe, expect, it } from 'vitest';
import { OPERATIONS, type Operation } from '../config/schema.js';
import { actionsFor, OPERATION_ACTIONS } from './oss-actions.js';

describe('OSS actions per operation (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements)', () => {
  it.each<[Operation, string[], string]>([
    ['put', ['oss:PutObject'], 'object'],
    ['multipart', ['oss:AbortMultipartUpload', 'oss:ListParts', 'oss:PutObject'], 'object'],
    ['get', ['oss:GetObject'], 'object'],
    ['list', ['oss:ListObjects'], 'bucket'],
    ['delete', ['oss:DeleteObject'], 'object'],
  ])('%s → %j on the %s resource', (operation, actions, resource) => {
    const specs = actionsFor([operation]);
    expect(specs.map((s) => s.action)).toEqual(actions);
    expect(new Set(specs.map((s) => s.resource))).toEqual(new Set([resource]));
  });

  it('covers every configurable operation', () => {
    for (const operation of OPERATIONS) expect(OPERATION_ACTIONS[operation].length).toBeGreaterThan(0);
  });

  it('only creating actions are restricted by file type', () => {
    const scoped = actionsFor([...OPERATIONS])
      .filter((s) => s.fileTypeScoped)
      .map((s) => s.action);
    expect(scoped).toEqual(['oss:AbortMultipartUpload', 'oss:ListParts', 'oss:PutObject']);
  });

  it('de-duplicates and sorts, independent of input order', () => {
    const a = actionsFor(['put', 'multipart', 'get']);
    const b = actionsFor(['get', 'multipart', 'put', 'put']);
    expect(a).toEqual(b);
    expect(a.map((s) => s.action)).toEqual(['oss:AbortMultipartUpload', 'oss:GetObject', 'oss:ListParts', 'oss:PutObject']);
  });

  it('refuses an unknown operation', () => {
    expect(() => actionsFor(['admin' as Operation])).toThrow(/unknown operation/);
  });
});
