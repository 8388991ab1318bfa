/**
 * The percent-encoder both STS signature schemes use (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature step 1): encodeURIComponent plus `! ' ( ) *`.
 * Tilde stays literal and space becomes %20. Node's querystring leaves `! ' ( ) *` raw on the wire, which is why the
 * server must decode received values and re-encode them with this function rather than reuse the wire text.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}
