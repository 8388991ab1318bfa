/**
 * RAM wildcards (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Wildcards"): `*` matches any run of characters including none, `?` exactly one character.
 * Used for Action, Resource and StringLike / StringNotLike. There is no escape: a `*` or `?` in a pattern is always a
 * wildcard. `*` matches across `/` (a resource is a flat string to RAM, not a path).
 *
 * The matcher works on code points, so `?` matches one character even outside the BMP, and it never builds a RegExp
 * from policy text: the greedy-star backtracking below is O(pattern × text) in the worst case, with no ReDoS.
 */

export class WildcardPattern {
  /** The pattern as written in the policy. */
  readonly source: string;
  private readonly chars: readonly string[];
  private readonly ignoreCase: boolean;

  constructor(source: string, options: { ignoreCase: boolean }) {
    this.source = source;
    this.ignoreCase = options.ignoreCase;
    this.chars = Array.from(options.ignoreCase ? source.toLowerCase() : source);
  }

  matches(text: string): boolean {
    return wildcardMatch(this.chars, Array.from(this.ignoreCase ? text.toLowerCase() : text));
  }
}

/** Classic single-backtrack glob match over code points. */
function wildcardMatch(pattern: readonly string[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1; // pattern index of the last `*` seen
  let starText = 0; // text index that `*` currently extends to
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starAt = p++;
      starText = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starAt >= 0) {
      // Let the last `*` swallow one more character and retry the rest of the pattern from there.
      p = starAt + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
