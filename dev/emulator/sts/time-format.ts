/**
 * The two timestamp forms STS speaks: `yyyy-MM-ddTHH:mm:ssZ` (SDK Timestamp / x-acs-date, and the only Expiration
 * form we emit, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole) and the same with milliseconds (ali-oss's bundled STS client uses toISOString, https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
 */
const SECONDS_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MILLIS_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses either accepted form; returns null for anything else, including impossible dates like month 13. */
export function parseStsTimestamp(value: string): number | null {
  if (!SECONDS_FORM.test(value) && !MILLIS_FORM.test(value)) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls some invalid days over (e.g. 02-30); round-tripping the date part rejects them.
  if (new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19)) return null;
  return ms;
}

/** Exactly the 20-character `yyyy-MM-ddTHH:mm:ssZ` form; @alicloud/credentials rejects anything else (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
export function formatExpiration(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}
