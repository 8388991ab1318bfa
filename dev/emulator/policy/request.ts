/**
 * What is asked of a policy, and what it answers (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation": explicit deny, allow, implicit deny).
 */

/** A context value: one string, several (any of them may satisfy a condition), or absent. */
export type ContextValue = string | readonly string[] | undefined;

export interface AccessRequest {
  /** `<ram-code>:<ApiName>`, e.g. `oss:PutObject` (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "OSS resources and actions"). */
  action: string;
  /** The resource name, e.g. `acs:oss:*:<account>:bucket/key` or the bucket ARN for ListObjects. */
  resource: string;
  /**
   * Condition keys such as `acs:SourceIp`, `acs:SecureTransport` ("true"/"false"), `acs:CurrentTime` (ISO-8601),
   * `oss:Prefix`, `oss:Delimiter`. Key names are matched case-insensitively, as RAM does.
   */
  context: Readonly<Record<string, ContextValue>>;
}

export type Decision = 'allow' | 'explicit_deny' | 'implicit_deny';

/** The request context keyed by lower-cased key name; absent and empty values are dropped (they count as missing). */
export type NormalizedContext = ReadonlyMap<string, readonly string[]>;

export function normalizeContext(context: Readonly<Record<string, ContextValue>>): NormalizedContext {
  const map = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context)) {
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : value.filter((v): v is string => typeof v === 'string');
    if (values.length === 0) continue;
    const lower = key.toLowerCase();
    // Two spellings of one key (`acs:SourceIp`, `acs:sourceip`) are one key to RAM: keep every value.
    map.set(lower, [...(map.get(lower) ?? []), ...values]);
  }
  return map;
}
