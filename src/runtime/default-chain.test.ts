import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultChainCredential, RecoveringDefaultChain } from './default-chain.js';

/** A chain whose answers are scripted: each built chain takes the next answer for all of its calls. */
function scripted(answers: Array<'fail' | 'ok'>) {
  let built = 0;
  const buildChain = () => {
    const answer = answers[built++] ?? 'fail';
    let calls = 0;
    return {
      getCredentials: async () => {
        calls++;
        if (answer === 'fail') throw new Error(`chain ${built} found nothing`);
        return { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: '', providerName: `default/env#${calls}` };
      },
    };
  };
  return { buildChain, built: () => built };
}

describe('RecoveringDefaultChain', () => {
  it('walks a fresh chain after a failure, once the wait is over, and keeps the first that finds an identity', async () => {
    let now = 0;
    const script = scripted(['fail', 'fail', 'ok', 'fail']);
    const chain = new RecoveringDefaultChain({ retryMs: 1000, now: () => now, buildChain: script.buildChain });
    await expect(chain.getCredentials()).rejects.toThrow('chain 1 found nothing');
    // Within the wait: the same failure at once, no new walk.
    now = 999;
    await expect(chain.getCredentials()).rejects.toThrow('chain 1 found nothing');
    expect(script.built()).toBe(1);
    now = 1000;
    await expect(chain.getCredentials()).rejects.toThrow('chain 2 found nothing');
    now = 2000;
    await expect(chain.getCredentials()).resolves.toMatchObject({ providerName: 'default/env#1' });
    // Kept: later calls go to the same chain (its provider refreshes its own sessions), never to a new one.
    await expect(chain.getCredentials()).resolves.toMatchObject({ providerName: 'default/env#2' });
    expect(script.built()).toBe(3);
  });

  it('lets concurrent callers share one walk', async () => {
    const script = scripted(['ok']);
    const chain = new RecoveringDefaultChain({ buildChain: script.buildChain });
    const answers = await Promise.all([chain.getCredentials(), chain.getCredentials(), chain.getCredentials()]);
    expect(answers.map((a) => a.providerName)).toEqual(['default/env#1', 'default/env#1', 'default/env#1']);
    expect(script.built()).toBe(1);
  });
});

describe('the default chain credential, with the real @alicloud/credentials chain', () => {
  const saved = { ...process.env };
  let dir: string | undefined;
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says "no identity" again on the second call instead of a DNS error, and picks up an identity that appears', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'osb-chain-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('ALIBABA_CLOUD_')) delete process.env[name];
    Object.assign(process.env, {
      HOME: dir,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      ALIBABA_CLOUD_CREDENTIALS_FILE: path.join(dir, 'credentials'),
    });
    const credential = defaultChainCredential({ retryMs: 0 });
    for (let i = 0; i < 2; i++) {
      const error = await credential.getCredential().then(
        () => undefined,
        (e: Error) => e,
      );
      // The library alone answers the second call from its credentials-URI provider: getaddrinfo ENOTFOUND undefined.
      expect(error?.message).toMatch(/^unable to get credentials from any of the providers in the chain/);
      expect(error?.message).not.toMatch(/^getaddrinfo/);
    }
    writeFileSync(
      path.join(dir, 'credentials'),
      '[default]\ntype = access_key\naccess_key_id = LTAIfake0000\naccess_key_secret = not-a-real-secret\n',
    );
    await expect(credential.getCredential()).resolves.toMatchObject({ accessKeyId: 'LTAIfake0000', providerName: 'default/profile' });
  });
});
