/**
 * The @alicloud/credentials default chain (env AccessKey, RRSA/OIDC, CLI profile, profile file, ECS RAM role,
 * credentials URI), made able to recover from a start-up without an identity.
 *
 * Why: the chain remembers the provider it tried last, and after a pass in which every provider failed that is the
 * last one, the credentials-URI provider. From then on each call asks only that provider, which with
 * ALIBABA_CLOUD_CREDENTIALS_URI unset fails with `getaddrinfo ENOTFOUND undefined`: an operator is sent to look at DNS,
 * and an identity that appears later (an RRSA token mounted late, a metadata service that was briefly down, a
 * credentials file written after start) is never picked up (@alicloud/credentials 2.4.7
 * src/providers/default.ts, `lastUsedProvider`; https://github.com/aliyun/credentials-nodejs).
 *
 * So until a chain has found an identity once, every attempt walks a fresh chain; after a failure the next walk
 * waits `retryMs` (concurrent callers share one walk, and callers in between get the same failure at once), so a
 * broker without an identity does not walk the chain, with its metadata-service timeouts, on every request. Once a
 * chain has found an identity it is kept, as the library intends: its provider refreshes its own sessions.
 */
import CredentialPackage, { DefaultCredentialsProvider } from '@alicloud/credentials';

/** Node's ESM loader hands us module.exports (class under `.default`); vitest's loader unwraps it (https://nodejs.org/api/esm.html#commonjs-namespaces). */
function cjsDefault<T>(pkg: { default: T }): T {
  return (pkg as { default?: T }).default ?? (pkg as unknown as T);
}

const Credential = cjsDefault(CredentialPackage);

export type ChainCredential = InstanceType<typeof Credential>;

/** What a chain hands out (the library's `Credentials`; its type is not exported by name). */
type ChainCredentials = Awaited<ReturnType<DefaultCredentialsProvider['getCredentials']>>;

interface Chain {
  getCredentials(): Promise<ChainCredentials>;
}

export interface RecoveringChainOptions {
  /** Wait after a failed walk before the next one. Default 5 s. */
  retryMs?: number;
  now?: () => number;
  /** Builds a chain (tests). Default: the library's default chain, which reads the environment when built. */
  buildChain?: () => Chain;
}

/** A credentials provider (the library's interface) over fresh default chains until one finds an identity. */
export class RecoveringDefaultChain {
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #build: () => Chain;
  #found: Chain | undefined;
  #failure: { error: unknown; until: number } | undefined;
  #walking: Promise<ChainCredentials> | undefined;

  constructor(options: RecoveringChainOptions = {}) {
    this.#retryMs = options.retryMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#build = options.buildChain ?? (() => DefaultCredentialsProvider.builder().build());
  }

  getProviderName(): string {
    return 'default';
  }

  getCredentials(): Promise<ChainCredentials> {
    if (this.#found !== undefined) return this.#found.getCredentials();
    if (this.#failure !== undefined && this.#now() < this.#failure.until) return Promise.reject(this.#failure.error);
    this.#walking ??= this.#walk().finally(() => {
      this.#walking = undefined;
    });
    return this.#walking;
  }

  async #walk(): Promise<ChainCredentials> {
    const chain = this.#build();
    try {
      const credentials = await chain.getCredentials();
      this.#found = chain;
      this.#failure = undefined;
      return credentials;
    } catch (error) {
      this.#failure = { error, until: this.#now() + this.#retryMs };
      throw error;
    }
  }
}

/** A credential that resolves through the default chain, recovering as above. What signs every STS call. */
export function defaultChainCredential(options: RecoveringChainOptions = {}): ChainCredential {
  return new Credential(null as never, new RecoveringDefaultChain(options));
}
