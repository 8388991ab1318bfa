import credentials from '@alicloud/credentials';
import OSS from 'ali-oss';

// A CommonJS package: from an ES module its class is the `default` export.
const { default: Credential, Config } = credentials;

// type 'credentials_uri' reads ALIBABA_CLOUD_CREDENTIALS_URI, e.g.
// https://broker.example.com/v1/credentials/partner-upload?format=alibaba&credential=<id>.<secret>
// It fetches again whenever less than 15 minutes are left, so every call of a 15-minute token goes to the broker
// (which answers from its cache).
const credential = new Credential(new Config({ type: 'credentials_uri' }));

export async function uploadForPartner({ bucket, region, endpoint, key, body, ossOptions = {} }) {
  const { accessKeyId, accessKeySecret, securityToken } = await credential.getCredential();
  const client = new OSS({ bucket, region, endpoint, accessKeyId, accessKeySecret, stsToken: securityToken, ...ossOptions });
  return client.put(key, body);
}
