/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit, i.e. the default sort), no whitespace, arrays in the
 * order given. Equal grants must give byte-equal policies, because the policy text is part of the token cache key
 * (README security property 5) and of the audit hash; JSON.stringify alone keeps insertion order, which is not a contract.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new Error('canonicalJson: only plain objects');
      const entries = Object.entries(value as Record<string, unknown>)
        // An absent optional member and an undefined one must serialize the same way.
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}
