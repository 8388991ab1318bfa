/**
 * Where a form is posted: the bucket's own host (`https://<bucket>.oss-<region>.aliyuncs.com`, virtual-hosted, as
 * PostObject expects: `POST /` to the bucket domain), or `<endpoint>/<bucket>` path-style when the endpoint is
 * `localhost` or an IP literal (the OSS emulator in local mode and tests), where a bucket sub-domain cannot resolve.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/postobject
 */
import { isIP } from 'node:net';

/** True for `localhost` and IP literals: no bucket sub-domain can resolve there, so requests go path-style. */
export function isPathStyleEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || isIP(host) !== 0;
}

export function formUrl(endpoint: string, bucket: string): string {
  const url = new URL(endpoint);
  const base = `${url.protocol}//`;
  if (isPathStyleEndpoint(endpoint)) return `${base}${url.host}/${bucket}`;
  return `${base}${bucket}.${url.host}`;
}
