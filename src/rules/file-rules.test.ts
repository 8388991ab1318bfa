import { describe, expect, it } from 'vitest';
import { codeOf } from '../../dev/testing/errors.js';
import type { ErrorCode } from '../errors.js';
import { checkFiles, fileExtension, normalizeContentType } from './file-rules.js';
import type { FileSpec } from './grant.js';

const restricted = {
  scope: 'prefix' as const,
  maxFiles: 3,
  maxSizeBytes: 1000,
  fileTypes: { extensions: ['png', 'jpg', 'mp4'], contentTypes: ['image/png', 'image/jpeg', 'video/mp4'] },
};
const open = { scope: 'prefix' as const, maxFiles: 3, maxSizeBytes: undefined, fileTypes: undefined };
const keysScope = { ...restricted, scope: 'keys' as const };

describe('fileExtension / normalizeContentType', () => {
  it.each([
    ['a.png', 'png'],
    ['archive.tar.gz', 'gz'],
    ['.png', 'png'],
    ['Photo.JPG', 'JPG'],
    ['README', undefined],
    ['trailing.', undefined],
  ])('fileExtension(%j) = %j', (name, ext) => expect(fileExtension(name)).toBe(ext));

  it.each([
    ['image/png', 'image/png'],
    ['Image/PNG', 'image/png'],
    ['image/png; charset=binary', 'image/png'],
    ['  image/jpeg ;q=1', 'image/jpeg'],
  ])('normalizeContentType(%j) = %j', (input, output) => expect(normalizeContentType(input)).toBe(output));
});

describe('checkFiles', () => {
  const f = (name: string, size?: number, contentType?: string): FileSpec => ({ name, size, contentType });

  it.each<[string, typeof restricted | typeof open | typeof keysScope, FileSpec[] | undefined, ErrorCode | undefined]>([
    ['no files, prefix scope', restricted, undefined, undefined],
    ['empty list, prefix scope', restricted, [], undefined],
    ['no files, keys scope', keysScope, undefined, 'files_required'],
    ['empty list, keys scope', keysScope, [], 'files_required'],
    ['one good file', restricted, [f('a.png', 10, 'image/png')], undefined],
    ['size and type omitted', restricted, [f('a.png')], undefined],
    ['uppercase extension', restricted, [f('IMG_1.JPG', 10, 'image/jpeg')], undefined],
    ['content type with parameters and case', restricted, [f('a.png', 1, 'Image/PNG; x=y')], undefined],
    ['size at the limit', restricted, [f('a.png', 1000)], undefined],
    ['too many files', restricted, [f('a.png'), f('b.png'), f('c.png'), f('d.png')], 'too_many_files'],
    ['duplicate names', restricted, [f('a.png'), f('a.png')], 'invalid_request'],
    ['names differing in case are distinct', restricted, [f('a.png'), f('A.png')], undefined],
    ['negative size', restricted, [f('a.png', -1)], 'invalid_request'],
    ['fractional size', restricted, [f('a.png', 1.5)], 'invalid_request'],
    ['NaN size', restricted, [f('a.png', Number.NaN)], 'invalid_request'],
    ['unsafe name', restricted, [f('../a.png')], 'invalid_name'],
    ['wildcard name', restricted, [f('*.png')], 'invalid_name'],
    ['extension not allowed', restricted, [f('a.exe')], 'file_type_not_allowed'],
    ['no extension', restricted, [f('README')], 'file_type_not_allowed'],
    ['trailing dot', restricted, [f('a.')], 'file_type_not_allowed'],
    ['mixed-case extension', restricted, [f('a.Png')], 'file_type_not_allowed'],
    ['double extension uses the last', restricted, [f('a.png.exe')], 'file_type_not_allowed'],
    ['content type not allowed', restricted, [f('a.png', 1, 'text/html')], 'file_type_not_allowed'],
    ['empty content type', restricted, [f('a.png', 1, '')], 'file_type_not_allowed'],
    ['too large', restricted, [f('a.png', 1001)], 'file_too_large'],
    ['no type rules: any extension', open, [f('README'), f('a.exe', 10 ** 12)], undefined],
    ['no type rules: names still checked', open, [f('a/b')], 'invalid_name'],
  ])('%s', (_label, profile, files, expected) => {
    expect(codeOf(() => checkFiles(profile, files))).toBe(expected);
  });

  it.each<[string, FileSpec[], ErrorCode]>([
    ['structure before names', [f('*'), f('*'), f('x'), f('y')], 'too_many_files'],
    ['duplicates before names', [f('*'), f('*')], 'invalid_request'],
    ['names before types', [f('a.exe'), f('b/c.png')], 'invalid_name'],
    ['types before sizes', [f('a.png', 5000), f('b.exe', 1)], 'file_type_not_allowed'],
  ])('error precedence: %s', (_label, files, expected) => {
    expect(codeOf(() => checkFiles(restricted, files))).toBe(expected);
  });

  it('names the file by position, never by its (untrusted) name', () => {
    expect(() => checkFiles(restricted, [f('a.png'), f('evil*.png')])).toThrow(/file name #2/);
  });
});
