/**
 * The profile's rules about declared files, as separate steps so apply-profile.ts can run them in a fixed order
 * (structure, names, types, sizes) and a caller always sees the same error for the same request.
 *
 * Declared sizes and content types are the caller's own statements: STS session policies cannot limit object size
 * or Content-Type (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements has no such condition keys), so these checks catch honest mistakes early and the
 * response tells the client the limits. What the policy *can* enforce - the extension - build-session-policy.ts
 * writes into the resources.
 */
import type { ProfileConfig } from '../config/schema.js';
import { assertThat, BrokerError } from '../errors.js';
import type { FileSpec } from './grant.js';
import { assertSafeValue } from './safe-segment.js';

type FileProfile = Pick<ProfileConfig, 'scope' | 'maxFiles' | 'fileTypes' | 'maxSizeBytes'>;

/**
 * The text after the last `.`, case preserved; undefined when there is no `.` or nothing follows it.
 * `archive.tar.gz` → `gz`, `.png` → `png`, `README` → undefined.
 */
export function fileExtension(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot === name.length - 1) return undefined;
  return name.slice(dot + 1);
}

/** `Image/PNG; charset=x` → `image/png`: media types are case-insensitive and parameters do not change the type. */
export function normalizeContentType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** files_required, too_many_files, invalid_request (bad shape or duplicate names). */
export function checkFilesStructure(profile: FileProfile, files: readonly FileSpec[] | undefined): void {
  if (files === undefined || files.length === 0) {
    assertThat(profile.scope !== 'keys', 'files_required', 'this profile issues exact keys; declare the files to upload');
    return;
  }
  assertThat(
    files.length <= profile.maxFiles,
    'too_many_files',
    `${files.length} files declared; this profile allows at most ${profile.maxFiles} per request`,
  );
  const seen = new Set<string>();
  files.forEach((file, i) => {
    assertThat(typeof file.name === 'string', 'invalid_request', `file #${i + 1} has no name`);
    assertThat(
      file.size === undefined || (Number.isSafeInteger(file.size) && file.size >= 0),
      'invalid_request',
      `file #${i + 1} size must be a non-negative integer`,
    );
    assertThat(
      file.contentType === undefined || typeof file.contentType === 'string',
      'invalid_request',
      `file #${i + 1} contentType must be a string`,
    );
    // Exact comparison: OSS keys are case-sensitive, so `a.png` and `A.png` are two objects.
    assertThat(!seen.has(file.name), 'invalid_request', `file #${i + 1} repeats the name of an earlier file`);
    seen.add(file.name);
  });
}

/** invalid_name for any name that is not a single safe key segment. */
export function checkFileNames(files: readonly FileSpec[]): void {
  files.forEach((file, i) => assertSafeValue(file.name, `file name #${i + 1}`, 'fileName'));
}

/**
 * file_type_not_allowed. Extensions compare case-insensitively, but must be all-lowercase or all-uppercase:
 * the policy can only list case variants it knows (`*.png`, `*.PNG`), and a `photo.Png` accepted here would then
 * be refused by OSS with an opaque AccessDenied.
 */
export function checkFileTypes(profile: FileProfile, files: readonly FileSpec[]): void {
  const types = profile.fileTypes;
  if (types === undefined) return;
  files.forEach((file, i) => {
    const ext = fileExtension(file.name);
    const allowed = types.extensions.join(', ');
    if (ext === undefined) {
      throw new BrokerError('file_type_not_allowed', `file #${i + 1} has no extension; allowed: ${allowed}`);
    }
    const lower = ext.toLowerCase();
    if (!types.extensions.includes(lower)) {
      throw new BrokerError('file_type_not_allowed', `file #${i + 1} extension "${ext}" is not allowed; allowed: ${allowed}`);
    }
    if (ext !== lower && ext !== ext.toUpperCase()) {
      throw new BrokerError(
        'file_type_not_allowed',
        `file #${i + 1} extension "${ext}" mixes upper and lower case; use "${lower}" or "${ext.toUpperCase()}"`,
      );
    }
    if (file.contentType !== undefined && !types.contentTypes.includes(normalizeContentType(file.contentType))) {
      throw new BrokerError(
        'file_type_not_allowed',
        `file #${i + 1} content type is not allowed; allowed: ${types.contentTypes.join(', ')}`,
      );
    }
  });
}

/** file_too_large for a declared size over the limit. An undeclared size passes: it could not be enforced anyway. */
export function checkFileSizes(profile: FileProfile, files: readonly FileSpec[]): void {
  const max = profile.maxSizeBytes;
  if (max === undefined) return;
  files.forEach((file, i) => {
    assertThat(
      file.size === undefined || file.size <= max,
      'file_too_large',
      `file #${i + 1} is ${file.size} bytes; this profile allows at most ${max}`,
    );
  });
}

/** Every file rule, in the documented order. */
export function checkFiles(profile: FileProfile, files: readonly FileSpec[] | undefined): void {
  checkFilesStructure(profile, files);
  if (files === undefined) return;
  checkFileNames(files);
  checkFileTypes(profile, files);
  checkFileSizes(profile, files);
}
