/**
 * Every start-up check of the profiles, in one place: what needs more than one field of the schema (config/schema.ts)
 * and, for the prefix templates and policy sizes, the rules and the policy builder. For every profile:
 * - each client it lists exists; `keys` scope has a write operation; `random` key naming has `keys` scope;
 * - its prefix template parses;
 * - every placeholder in it can be filled for every client allowed to use the profile (a typo such as
 *   `${tenantt}` would otherwise fail every request with a 400 that blames the caller);
 * - a tenant fixed in the configuration is itself a valid prefix value;
 * - the session policy fits the STS limit for the longest values the rules accept (policy/policy-size.ts): the
 *   token policy when the profile offers `sts`, the form-signing policy (form-signing.ts) when it offers `form`.
 * And every credentials URL names a profile that exists, lists the URL's client and hands out tokens.
 *
 * Each problem names the field to change. The loader (runtime/load-config.ts) reports them together with the
 * configuration's own problems; createApp runs them again for a configuration built in code.
 */
import { profilePaths, type BrokerConfig, type ClientConfig, type ProfileConfig } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { compilePrefixTemplate, isSafeValue, type CompiledPrefixTemplate } from '../rules/index.js';
import { profileSizeProblems } from '../policy/index.js';
import { fixedTenantOf, placeholdersSuppliedBy } from '../auth/claims.js';
import { formSigningProfile } from './form-signing.js';

interface IndexedClient {
  client: ClientConfig;
  index: number;
}

function placeholderProblems(name: string, template: CompiledPrefixTemplate, clients: IndexedClient[]): string[] {
  const problems: string[] = [];
  for (const { client, index } of clients) {
    const supplied = placeholdersSuppliedBy(client);
    for (const placeholder of template.placeholders) {
      if (supplied.includes(placeholder)) continue;
      const offers = supplied.map((p) => `\${${p}}`).join(', ');
      const hint =
        client.type === 'apiKey'
          ? 'API-key clients supply ${tenant} only'
          : `add "${placeholder}" to clients[${index}].templateClaims if its tokens carry that claim`;
      problems.push(
        `profiles.${name}.prefix: placeholder \${${placeholder}} cannot be filled for client "${client.id}", which ` +
          `supplies ${offers} (${hint})`,
      );
    }
  }
  return problems;
}

function fixedTenantProblems(profileName: string, profile: ProfileConfig, clients: IndexedClient[]): string[] {
  const problems: string[] = [];
  for (const { client, index } of clients) {
    const tenant = fixedTenantOf(client);
    if (tenant === undefined) continue;
    if (!isSafeValue(tenant, 'claim')) {
      problems.push(`clients[${index}].tenant: must be 1-128 of A-Z a-z 0-9 . _ @ + = - (it becomes a prefix segment)`);
    } else if (tenant.length > profile.maxClaimChars) {
      problems.push(
        `clients[${index}].tenant: ${tenant.length} characters, longer than profiles.${profileName}.maxClaimChars ` +
          `(${profile.maxClaimChars})`,
      );
    }
  }
  return problems;
}

/** `tenant` has a known longest value when every client of the profile fixes it in the configuration. */
function fixedLengths(clients: IndexedClient[]): Record<string, number> {
  const tenants = clients.map(({ client }) => fixedTenantOf(client));
  if (tenants.length === 0 || tenants.some((t) => t === undefined)) return {};
  return { tenant: Math.max(...tenants.map((t) => t!.length)) };
}

/** What a profile's own fields say about each other and about `clients`. */
function referenceProblems(config: Readonly<BrokerConfig>): string[] {
  const problems: string[] = [];
  const clientIds = new Set(config.clients.map((c) => c.id));
  for (const [name, profile] of Object.entries(config.profiles)) {
    profile.clients.forEach((id, i) => {
      if (!clientIds.has(id)) problems.push(`profiles.${name}.clients[${i}]: no client with id "${id}"`);
    });
    if (profile.scope === 'keys' && !profile.operations.some((op) => op === 'put' || op === 'multipart')) {
      problems.push(`profiles.${name}.scope: "keys" scope needs a write operation (put or multipart)`);
    }
    // In prefix scope the client names its own objects under the prefix; the broker names none, so `random` would
    // be silently ignored while the operator believes names are unguessable.
    if (profile.keyNaming === 'random' && profile.scope !== 'keys') {
      problems.push(`profiles.${name}.keyNaming: "random" needs scope "keys" (in prefix scope the client names its objects)`);
    }
  }
  return problems;
}

/** Prefix templates, fixed tenants and policy sizes, profile by profile. */
function templateProblems(config: Readonly<BrokerConfig>): string[] {
  const problems: string[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    let template: CompiledPrefixTemplate;
    try {
      template = compilePrefixTemplate(profile.prefix);
    } catch (error) {
      problems.push(`profiles.${name}.prefix: ${(error as Error).message}`);
      continue;
    }
    const clients = config.clients.map((client, index) => ({ client, index })).filter(({ client }) => profile.clients.includes(client.id));
    const own = [
      ...placeholderProblems(name, template, clients),
      ...(template.placeholders.includes('tenant') ? fixedTenantProblems(name, profile, clients) : []),
    ];
    problems.push(...own);
    if (own.length > 0) continue;
    const lengths = template.placeholders.includes('tenant') ? fixedLengths(clients) : {};
    const paths = profilePaths(profile);
    const sent = [...(paths.includes('sts') ? [profile] : []), ...(paths.includes('form') ? [formSigningProfile(profile)] : [])];
    for (const shape of sent) problems.push(...profileSizeProblems(name, shape, config.sts.policyMaxChars, lengths));
  }
  return problems;
}

/** Each credentials URL (auth/credential-url.ts) is scoped to one profile, which must hand its client tokens. */
function credentialUrlProblems(config: Readonly<BrokerConfig>): string[] {
  const problems: string[] = [];
  config.clients.forEach((client, i) => {
    if (client.type !== 'apiKey') return;
    client.credentialUrls.forEach((url, u) => {
      const path = `clients[${i}].credentialUrls[${u}]`;
      const profile = Object.hasOwn(config.profiles, url.profile) ? config.profiles[url.profile] : undefined;
      if (profile === undefined) problems.push(`${path}.profile: no profile named "${url.profile}"`);
      else if (!profile.clients.includes(client.id)) {
        problems.push(`${path}.profile: profile "${url.profile}" does not list client "${client.id}"`);
      } else if (!profilePaths(profile).includes('sts')) {
        // A credentials URL fetches tokens; a forms-only profile hands out none (403 forms_only on every fetch).
        problems.push(`${path}.profile: profile "${url.profile}" offers forms only (paths: [form]); a credentials URL fetches tokens`);
      }
    });
  });
  return problems;
}

/** Every problem found, as `<field path>: <message>`. */
export function profileProblems(config: Readonly<BrokerConfig>): string[] {
  return [...new Set([...referenceProblems(config), ...templateProblems(config), ...credentialUrlProblems(config)])];
}

/** Throws ConfigError (start-up stops) listing every problem. */
export function checkProfiles(config: Readonly<BrokerConfig>): void {
  const problems = profileProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}
