/**
 * OSS resource names (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "OSS resources and actions"). Region and account are `*`: the doc says region must
 * be `*`, and the bucket name alone is globally unique, so naming the account adds nothing to the confinement.
 */
export function bucketArn(bucket: string): string {
  return `acs:oss:*:*:${bucket}`;
}

/** `keyOrPattern` is a full key (`uploads/acme/alice/a.png`) or a pattern the builder made (`uploads/acme/alice/*`). */
export function objectArn(bucket: string, keyOrPattern: string): string {
  return `${bucketArn(bucket)}/${keyOrPattern}`;
}

/**
 * The case variants of an allowed extension that the policy lists: lowercase and UPPERCASE. RAM resource matching
 * is case-sensitive like OSS keys, and cameras still write `IMG_0001.JPG`; mixed case (`.Jpg`) is refused by the
 * file rules instead of being listed, which keeps the policy small (each variant costs ~50 characters).
 */
export function extensionVariants(extensions: readonly string[]): string[] {
  const variants = new Set<string>();
  for (const ext of extensions) {
    variants.add(ext.toLowerCase());
    variants.add(ext.toUpperCase());
  }
  return [...variants].sort();
}
