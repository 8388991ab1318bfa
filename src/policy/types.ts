/**
 * The RAM policy document (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Structure"), in the normalized form this broker builds: `Action` and
 * `Resource` are always arrays and a condition value is a string or an array of strings. RAM also accepts a
 * single string for Action/Resource; code that parses foreign policies (an evaluator) should normalize to this.
 */

/** Condition operators the broker writes or an evaluator may meet (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition"). */
export type ConditionOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'IpAddress'
  | 'NotIpAddress';

/** `{Operator: {Key: value | [values]}}`: values of one key are ORed, keys and operators are ANDed. */
export type ConditionBlock = Partial<Record<ConditionOperator, Record<string, string | string[]>>>;

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '1';
  Statement: Statement[];
}

/** A built policy: the object (for dry-run responses and tests) and its canonical text (for STS and hashing). */
export interface SessionPolicy {
  document: PolicyDocument;
  json: string;
}
