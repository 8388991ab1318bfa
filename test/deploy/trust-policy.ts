/**
 * RAM trust policies (a role's "who may assume me"), evaluated with the project's policy evaluator parts
 * (dev/emulator/policy: the condition-operator table, the Action patterns, explicit deny first). The evaluator's
 * parsePolicy refuses `Principal` (role and session policies have none), so the trust grammar is here:
 * `{"Version":"1","Statement":[{Effect, Action, Principal, Condition?}]}` with no Resource (the role itself is the
 * resource), and a Principal of `{"RAM"|"Service"|"Federated": string | string[]}`
 * (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Principal").
 *
 * RRSA: the pod's projected token is exchanged by AssumeRoleWithOIDC; RAM checks it against the trust policy as
 * `sts:AssumeRole` by the `Federated` OIDC provider, with the token's `aud`, `iss` and `sub` as the condition keys
 * `oidc:aud`, `oidc:iss`, `oidc:sub`
 * (https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/use-rrsa-to-authorize-pods-to-access-different-cloud-services).
 */
import { conditionsHold, isPlainObject, parseConditionBlock, type ParsedCondition } from '../../dev/emulator/policy/condition.js';
import { parsePatternSet, patternSetMatches, type PatternSet } from '../../dev/emulator/policy/pattern-set.js';
import { normalizeContext, type ContextValue, type Decision } from '../../dev/emulator/policy/request.js';

type PrincipalKind = 'RAM' | 'Service' | 'Federated';
const PRINCIPAL_KINDS: ReadonlySet<string> = new Set(['RAM', 'Service', 'Federated']);
const STATEMENT_KEYS: ReadonlySet<string> = new Set(['Effect', 'Action', 'Principal', 'Condition']);

interface TrustStatement {
  effect: 'Allow' | 'Deny';
  actions: PatternSet;
  principals: ReadonlyMap<PrincipalKind, readonly string[]>;
  conditions: readonly ParsedCondition[];
}

export interface TrustPolicy {
  statements: readonly TrustStatement[];
}

/** Who asks to assume the role, and the facts RAM knows about the request. */
export interface AssumeRequest {
  principal: { kind: PrincipalKind; arn: string };
  /** `sts:AssumeRole` for AssumeRole and AssumeRoleWithOIDC alike. */
  action?: string;
  context?: Readonly<Record<string, ContextValue>>;
}

function fail(message: string): never {
  throw new Error(`trust policy: ${message}`);
}

function parsePrincipal(raw: unknown): Map<PrincipalKind, string[]> {
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) fail('Principal must be a non-empty object');
  const map = new Map<PrincipalKind, string[]>();
  for (const [kind, value] of Object.entries(raw)) {
    if (!PRINCIPAL_KINDS.has(kind)) fail(`unknown Principal kind "${kind}"`);
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((v): v is string => typeof v === 'string' && v !== '')) {
      fail(`Principal.${kind} must be a non-empty string or list of them`);
    }
    map.set(kind as PrincipalKind, list);
  }
  return map;
}

export function parseTrustPolicy(document: unknown): TrustPolicy {
  if (!isPlainObject(document) || document.Version !== '1') fail('Version must be "1"');
  const raw = document.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) fail('Statement must not be empty');
  const statements = list.map((item, index): TrustStatement => {
    if (!isPlainObject(item)) fail(`Statement[${index}] must be an object`);
    for (const key of Object.keys(item)) if (!STATEMENT_KEYS.has(key)) fail(`Statement[${index}]: unknown element "${key}"`);
    if (item.Effect !== 'Allow' && item.Effect !== 'Deny') fail(`Statement[${index}]: Effect must be Allow or Deny`);
    return {
      effect: item.Effect,
      actions: parsePatternSet(item, 'Action'),
      principals: parsePrincipal(item.Principal),
      conditions: Object.hasOwn(item, 'Condition') ? parseConditionBlock(item.Condition) : [],
    };
  });
  return { statements };
}

const ACCOUNT_OF = /^acs:ram::(\d+):/;

/**
 * Whether a Principal entry names the caller: the exact ARN, `*`, or `acs:ram::<account>:root`, which trusts every
 * identity of that account (so a refusal test here cannot pass on a policy that trusts a whole account).
 */
function matchesPrincipal(entry: string, arn: string): boolean {
  if (entry === arn || entry === '*') return true;
  const root = /^acs:ram::(\d+):root$/.exec(entry);
  return root !== null && ACCOUNT_OF.exec(arn)?.[1] === root[1];
}

/** Explicit deny wins, then allow, else implicit deny: the same rule as every RAM policy. */
export function evaluateTrust(policy: TrustPolicy, request: AssumeRequest): Decision {
  const context = normalizeContext(request.context ?? {});
  const action = request.action ?? 'sts:AssumeRole';
  let allowed = false;
  for (const statement of policy.statements) {
    const names = statement.principals.get(request.principal.kind) ?? [];
    const applies =
      names.some((entry) => matchesPrincipal(entry, request.principal.arn)) &&
      patternSetMatches(statement.actions, action) &&
      conditionsHold(statement.conditions, context);
    if (!applies) continue;
    if (statement.effect === 'Deny') return 'explicit_deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit_deny';
}
