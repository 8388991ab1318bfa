/**
 * Prefix templates such as `uploads/${tenant}/${sub}/`. Parsed once at start-up, so a bad template stops the broker
 * instead of producing a wide policy at request time. The grammar is deliberately narrow:
 *
 *   template    = segment "/" { segment "/" }
 *   segment     = placeholder | literal
 *   placeholder = "${" name "}"            (the WHOLE segment: `a${sub}b` is refused)
 *               | "${claims." list "}"     (a list claim: one prefix per value; at most one per template)
 *   name        = [A-Za-z_][A-Za-z0-9_]{0,63}
 *   list        = [A-Za-z_][A-Za-z0-9_:-]{0,63}
 *   literal     = [A-Za-z0-9._-]+, but not "." and never containing ".." (as for claim values)
 *
 * Whole-segment placeholders mean a claim value can only ever fill its own "folder": with the value checks of
 * safe-segment.ts it cannot merge with a neighbouring literal, and each rendered segment equals one claim verbatim.
 */
import { BrokerError } from '../errors.js';
import { assertSafeValue } from './safe-segment.js';
import { assertKeyLength } from './key-naming.js';

export interface CompiledPrefixTemplate {
  /** The template as configured. */
  readonly template: string;
  /** Single-value placeholder names in order of first appearance, without duplicates. */
  readonly placeholders: readonly string[];
  /** The list claim of a `${claims.name}` placeholder, if the template has one. */
  readonly listClaim: string | undefined;
  /** Each segment: a literal's text, `{ name }` for a single value, `{ list }` for the list claim. */
  readonly parts: readonly TemplatePart[];
  /**
   * Renders the prefix; throws BrokerError('invalid_name') for a missing or unsafe value, or one longer than
   * `maxClaimChars` (the profile's limit, which start-up proved keeps the session policy within the STS limit).
   * A template with a list placeholder renders with renderEach instead.
   */
  render(values: Readonly<Record<string, string>>, maxClaimChars?: number): string;
  /**
   * One prefix per value of the list claim, in the order given. `listValues` must already have passed the list
   * rules (rules/list-claims.ts: distinct, counted, each a safe segment); single values are checked as by render.
   */
  renderEach(values: Readonly<Record<string, string>>, listValues: readonly string[], maxClaimChars?: number): string[];
}

export type TemplatePart = { kind: 'literal'; text: string } | { kind: 'placeholder'; name: string } | { kind: 'list'; name: string };
type Part = TemplatePart;

const PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;
const LIST_PLACEHOLDER = /^\$\{claims\.([A-Za-z_][A-Za-z0-9_:-]{0,63})\}$/;
const LITERAL = /^[A-Za-z0-9._-]+$/;

function parseSegment(template: string, segment: string, index: number): Part {
  const where = `prefix template "${template}", segment ${index + 1}`;
  if (segment === '') throw new Error(`${where}: empty segment ("//")`);
  const placeholder = PLACEHOLDER.exec(segment);
  if (placeholder?.[1] !== undefined) return { kind: 'placeholder', name: placeholder[1] };
  const list = LIST_PLACEHOLDER.exec(segment);
  if (list?.[1] !== undefined) return { kind: 'list', name: list[1] };
  if (segment.includes('*') || segment.includes('?')) {
    throw new Error(`${where}: wildcards "*" and "?" are not allowed; the policy adds its own`);
  }
  if (segment.includes('$') || segment.includes('{') || segment.includes('}')) {
    const opens = segment.split('${').length - 1;
    const closes = segment.split('}').length - 1;
    if (opens !== closes || (opens === 0 && segment.includes('$'))) {
      throw new Error(`${where}: unbalanced or unknown placeholder syntax in "${segment}"`);
    }
    throw new Error(`${where}: "${segment}" - a placeholder must be a whole segment of the form \${name}, e.g. "uploads/\${sub}/"`);
  }
  if (segment === '.' || segment.includes('..')) throw new Error(`${where}: "." segments and ".." are not allowed`);
  if (!LITERAL.test(segment)) {
    throw new Error(`${where}: literal "${segment}" may only contain A-Z a-z 0-9 . _ -`);
  }
  return { kind: 'literal', text: segment };
}

/** Parses a template; throws a plain Error naming the problem (a start-up failure, not a request failure). */
export function compilePrefixTemplate(template: string): CompiledPrefixTemplate {
  if (template.length === 0) throw new Error('prefix template is empty');
  if (template.startsWith('/')) throw new Error(`prefix template "${template}" must not start with "/"`);
  if (!template.endsWith('/')) {
    throw new Error(`prefix template "${template}" must end with "/" so a grant never matches a sibling prefix`);
  }
  const parts = template
    .slice(0, -1)
    .split('/')
    .map((segment, index) => parseSegment(template, segment, index));

  const placeholders: string[] = [];
  for (const part of parts) {
    if (part.kind === 'placeholder' && !placeholders.includes(part.name)) placeholders.push(part.name);
  }
  const lists = parts.filter((part) => part.kind === 'list');
  // Two lists would make one prefix per pair of values: a policy that grows as the product of two claims.
  if (lists.length > 1) throw new Error(`prefix template "${template}": at most one \${claims.…} placeholder`);
  const listClaim = lists[0]?.name;
  Object.freeze(parts);
  Object.freeze(placeholders);

  /** The single-value segments, rendered and checked once per call; `undefined` where the list value goes. */
  function singleSegments(values: Readonly<Record<string, string>>, maxClaimChars?: number): (string | undefined)[] {
    return parts.map((part) => {
      if (part.kind === 'literal') return part.text;
      if (part.kind === 'list') return undefined;
      // hasOwn: a placeholder named `constructor` must not resolve to Object.prototype's function.
      const value = Object.hasOwn(values, part.name) ? values[part.name] : undefined;
      if (typeof value !== 'string') {
        throw new BrokerError('invalid_name', `claim "${part.name}" is required by the profile's prefix`);
      }
      assertSafeValue(value, `claim "${part.name}"`, 'claim', maxClaimChars);
      return value;
    });
  }

  function join(segments: readonly (string | undefined)[], listValue?: string): string {
    const prefix = `${segments.map((segment) => segment ?? listValue).join('/')}/`;
    assertKeyLength(prefix, 'the rendered prefix');
    return prefix;
  }

  return Object.freeze({
    template,
    placeholders,
    listClaim,
    parts,
    render(values: Readonly<Record<string, string>>, maxClaimChars?: number): string {
      if (listClaim !== undefined) throw new Error(`prefix template "${template}" has a list placeholder; use renderEach`);
      return join(singleSegments(values, maxClaimChars));
    },
    renderEach(values: Readonly<Record<string, string>>, listValues: readonly string[], maxClaimChars?: number): string[] {
      const segments = singleSegments(values, maxClaimChars);
      if (listClaim === undefined) return [join(segments)];
      return listValues.map((value) => join(segments, value));
    },
  });
}
