/**
 * A request URL as the access log may show it: the path, and the query's keys with their values masked. Query values
 * can be secrets: a credentials URL carries one by design (`credential=<id>.<secret>`, auth/credential-url.ts), and
 * callers paste tokens into links. Only `format=alibaba` is shown as it is. Keys come from the parsed query, so no
 * spelling or percent-encoding of a key gets a value past the mask.
 */
const SHOWN: Readonly<Record<string, string>> = { format: 'alibaba' };

export function logSafeUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  const shown = [...params].map(([key, value]) => `${encodeURIComponent(key)}=${SHOWN[key] === value ? value : '[redacted]'}`);
  return shown.length === 0 ? url.slice(0, at) : `${url.slice(0, at)}?${shown.join('&')}`;
}
