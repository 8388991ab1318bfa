/**
 * Bucket policies (https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements): the RAM
 * grammar plus a `Principal` in every statement, which a session or role policy must not have. Parsed once, when
 * PutBucketPolicy stores it.
 *
 * What the emulator models, and what it leaves out:
 * - Deny statements are evaluated for every authenticated request, before the token's own policies: an explicit
 *   Deny anywhere wins (https://www.alibabacloud.com/help/en/object-storage-service/latest/examples "How it works").
 * - Allow statements are stored and returned but grant nothing: the emulator has one account, whose callers are
 *   role sessions whose access comes from their session and role policies.
 * - `Principal`: `*` (and the empty list, documented as equal to `["*"]`) matches every caller; with a Condition
 *   this includes the bucket owner (same page). `arn:sts::<uid>:assumed-role/<role>/<session>` matches the role
 *   session it names. Other principals (account or RAM user UIDs) match no caller here, since every caller is a
 *   role session and the docs do not say whether a UID covers that account's role sessions.
 */
import { isPlainObject } from './condition.js';
import { PolicyGrammarError } from './errors.js';
import { normalizeContext, type AccessRequest } from './request.js';
import { parseStatement, statementApplies, type ParsedStatement } from './statement.js';

interface BucketStatement {
  readonly statement: ParsedStatement;
  /** Every principal matches (`*` or the empty list). */
  readonly anyone: boolean;
  readonly principals: ReadonlySet<string>;
}

export interface ParsedBucketPolicy {
  readonly statements: readonly BucketStatement[];
}

/** The caller as a bucket policy names it: the role session its token belongs to. */
export interface BucketPolicyCaller {
  /** `acs:ram::<uid>:role/<name>` */
  roleArn: string;
  roleSessionName: string;
}

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['Version', 'Statement']);
const ROLE_ARN = /^acs:ram::(\d+):role\/(.+)$/;

function parsePrincipal(raw: unknown): { anyone: boolean; principals: ReadonlySet<string> } {
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (!list.every((p): p is string => typeof p === 'string' && p !== '')) {
    throw new PolicyGrammarError('Principal must be a non-empty string or a list of them.');
  }
  return { anyone: list.length === 0 || list.includes('*'), principals: new Set(list) };
}

/** Checks and compiles a bucket policy document (already JSON-parsed). Throws PolicyGrammarError. */
export function parseBucketPolicy(document: unknown): ParsedBucketPolicy {
  if (!isPlainObject(document)) throw new PolicyGrammarError('Policy must be a JSON object.');
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new PolicyGrammarError(`Unknown policy element "${key}".`);
  }
  if (document.Version !== '1') throw new PolicyGrammarError('Version must be "1".');
  const raw = document.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicyGrammarError('Statement must be a non-empty array or an object.');
  const statements = list.map((item, index): BucketStatement => {
    try {
      if (!isPlainObject(item)) throw new PolicyGrammarError('a statement must be an object.');
      if (!Object.hasOwn(item, 'Principal')) throw new PolicyGrammarError('a bucket policy statement needs a Principal.');
      const { Principal, ...rest } = item;
      return Object.freeze({ statement: parseStatement(rest), ...parsePrincipal(Principal) });
    } catch (error) {
      if (error instanceof PolicyGrammarError) throw new PolicyGrammarError(`Statement[${index}]: ${error.message}`);
      throw error;
    }
  });
  return Object.freeze({ statements: Object.freeze(statements) });
}

function names(statement: BucketStatement, caller: BucketPolicyCaller): boolean {
  if (statement.anyone) return true;
  const m = ROLE_ARN.exec(caller.roleArn);
  return m !== null && statement.principals.has(`arn:sts::${m[1]}:assumed-role/${m[2]}/${caller.roleSessionName}`);
}

/** True when a Deny statement of the bucket policy covers this caller and request. */
export function bucketPolicyDenies(policy: ParsedBucketPolicy, caller: BucketPolicyCaller, request: AccessRequest): boolean {
  const context = normalizeContext(request.context);
  return policy.statements.some(
    (s) => s.statement.effect === 'Deny' && names(s, caller) && statementApplies(s.statement, request.action, request.resource, context),
  );
}
