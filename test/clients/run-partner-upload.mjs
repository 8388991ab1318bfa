// Runs the partner snippet of docs/clients.md in a plain Node process, as a partner backend would, against the test
// stack: ALIBABA_CLOUD_CREDENTIALS_URI and the OSS target come from the environment; prints the outcome as one JSON
// line.
import { uploadForPartner } from './snippets/partner-credentials-uri.mjs';

try {
  const result = await uploadForPartner({
    bucket: process.env.OSS_BUCKET,
    region: process.env.OSS_REGION,
    endpoint: process.env.OSS_ENDPOINT,
    key: process.env.OSS_KEY,
    body: Buffer.from(process.env.OSS_BODY ?? ''),
    ossOptions: { sldEnable: true }, // the OSS emulator is addressed path-style
  });
  process.stdout.write(`${JSON.stringify({ ok: true, status: result.res.status })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: error.code, message: String(error.message).slice(0, 300) })}\n`);
}
