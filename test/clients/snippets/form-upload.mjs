// One signed form per file from the broker, posted straight to OSS: no SDK and no secret in the page. `broker` is
// the broker's origin ('' on the same origin), `file` a File from an <input type="file"> or a drop.
export async function uploadWithForm({ broker, profile, idToken, file }) {
  const res = await fetch(`${broker}/v1/post-policy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ profile, files: [{ name: file.name, size: file.size, contentType: file.type }] }),
  });
  if (!res.ok) throw new Error(`form refused: ${res.status} ${(await res.json()).code}`);
  const {
    uploads: [upload],
  } = await res.json();
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value); // in order
  form.append('file', file); // last
  // The bucket's CORS must allow POST from your origin. OSS answers 200, with the callback's JSON {key, size, etag}
  // when the profile has a callback (an empty body otherwise), or refuses a file that is not the one declared
  // (400 EntityTooLarge, 403 AccessDenied) with an XML error.
  const stored = await fetch(upload.url, { method: 'POST', body: form });
  const answer = await stored.text();
  if (!stored.ok) throw new Error(`OSS refused the upload: ${stored.status} ${answer}`);
  return answer === '' ? { key: upload.key } : JSON.parse(answer);
}
