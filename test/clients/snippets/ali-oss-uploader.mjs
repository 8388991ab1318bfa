import OSS from 'ali-oss';

// ali-oss refreshes on a timer (refreshSTSTokenInterval), never from the token's expiration. The broker promises
// that every token it returns lives at least (expiration - refreshAfter) = cache.minRemainingSeconds longer, so a
// timer shorter than that promise by a margin never lets a request go out with an expired token. The margin covers
// a request signed just before the timer fires and still on its way to OSS, and clock drift.
const MARGIN_MS = 60_000;

// `files` is for a profile with exact keys (`scope: keys`): every refresh names the same files, so each new token
// covers the same keys and an upload in progress carries on under it.
export async function createUploader({ broker, profile, files = undefined, authHeaders, ossOptions = {} }) {
  async function fetchCredentials() {
    const res = await fetch(`${broker}/v1/credentials`, {
      method: 'POST',
      headers: { ...(await authHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({ profile, files }),
    });
    if (!res.ok) throw new Error(`credentials refused: ${res.status} ${(await res.json()).code}`);
    return res.json();
  }
  const toOss = ({ credentials: c }) => ({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.securityToken });

  const first = await fetchCredentials();
  const promisedMs = Date.parse(first.credentials.expiration) - Date.parse(first.refreshAfter);
  const client = new OSS({
    bucket: first.upload.bucket,
    endpoint: first.upload.endpoint,
    region: `oss-${first.upload.region}`,
    ...toOss(first),
    refreshSTSToken: async () => toOss(await fetchCredentials()),
    refreshSTSTokenInterval: Math.max(1000, promisedMs - MARGIN_MS),
    ...ossOptions,
  });
  return { client, prefix: first.upload.prefix, keys: first.upload.keys };
}
