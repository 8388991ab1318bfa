/**
 * Every start-up check of the profiles, in one place: what needs more than one field of the schema (config/schema.ts)
 * and, for the prefix templates and policy sizes, the rules and the policy builder. For every profile:
 * - each client it lists exists; `keys` scope has a write operation; `random` key naming has `keys` scope;
 * - its prefix template and each area's parse;
 * - every placeholder in them can be filled for every client allowed to use the profile (a typo such as
 *   `${tenantt}` would otherwise fail every request with a 400 that blames the caller), list placeholders
 *   (`${claims.groups}`) from the client's `listClaims`;
 * - its areas: list placeholders only there, no two templates that could coincide (areaProblems);
 * - a tenant fixed in the configuration is itself a valid prefix value;
 * - the session policy fits the STS limit for the longest values the rules accept (policy/policy-size.ts): the
 *   token policy when the profile offers `sts`, the form-signing policy (form-signing.ts) when it offers `form`;
 *   with list claims, every list at its `maxValues` values of `maxChars` characters.
 * And every credentials URL names a profile that exists, lists the URL's client and hands out tokens.
 *
 * Each problem names the field to change. The loader (runtime/load-config.ts) reports them together with the
 * configuration's own problems; createApp runs them again for a configuration built in code.
 */
import { profilePaths, type BrokerConfig, type ClientConfig, type ProfileConfig } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { compilePrefixTemplate, isSafeValue, type CompiledPrefixTemplate } from '../rules/index.js';
import { profileSizeProblems } from '../policy/index.js';
import { fixedTenantOf, listClaimsSuppliedBy, placeholdersSuppliedBy } from '../auth/claims.js';
import { formSigningProfile } from './form-signing.js';

interface IndexedClient {
  client: ClientConfig;
  index: number;
}

interface FieldTemplate {
  /** The configuration path of the template, e.g. `profiles.team.areas[1].prefix`. */
  field: string;
  template: CompiledPrefixTemplate;
}

function placeholderProblems(field: string, template: CompiledPrefixTemplate, clients: IndexedClient[]): string[] {
  const problems: string[] = [];
  for (const { client, index } of clients) {
    const list = template.listClaim;
    if (list !== undefined && !listClaimsSuppliedBy(client).includes(list)) {
      const hint =
        client.type === 'apiKey'
          ? 'API-key clients supply no list claims'
          : `add "${list}" to clients[${index}].listClaims if its tokens carry that list`;
      problems.push(`${field}: list placeholder \${claims.${list}} cannot be filled for client "${client.id}" (${hint})`);
    }
    const supplied = placeholdersSuppliedBy(client);
    for (const placeholder of template.placeholders) {
      if (supplied.includes(placeholder)) continue;
      const offers = supplied.map((p) => `\${${p}}`).join(', ');
      const hint =
        client.type === 'apiKey'
          ? 'API-key clients supply ${tenant} only'
          : `add "${placeholder}" to clients[${index}].templateClaims if its tokens carry that claim`;
      problems.push(
        `${field}: placeholder \${${placeholder}} cannot be filled for client "${client.id}", which supplies ${offers} (${hint})`,
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

/**
 * What the areas say about each other and about the profile's own prefix:
 * - a list placeholder only in an area (the own prefix is one prefix: keys, forms and quotas are about it);
 * - `listClaims` names only claims an area uses (a typo would leave the intended claim at the defaults);
 * - no two templates that could render the same or nested prefixes for different reasons: `home/${sub}/` beside
 *   `home/${claims.groups}/` gives a group named like a user that user's folder, and `${tenant}/` beside `shared/`
 *   makes tenant "shared" everyone's shared area. Templates that agree segment by segment (the same literal or the
 *   same placeholder) may nest: `uploads/${tenant}/` read-only over `uploads/${tenant}/${sub}/` is a tenant-wide read.
 */
function areaProblems(name: string, profile: ProfileConfig, templates: readonly FieldTemplate[]): string[] {
  const problems: string[] = [];
  const [own, ...areas] = templates;
  if (own?.template.listClaim !== undefined) {
    problems.push(`${own.field}: \${claims.${own.template.listClaim}} is a list; list placeholders belong in areas[].prefix`);
  }
  const used = new Set(areas.map(({ template }) => template.listClaim).filter((list) => list !== undefined));
  for (const claim of Object.keys(profile.listClaims ?? {})) {
    if (!used.has(claim)) problems.push(`profiles.${name}.listClaims.${claim}: no area of the profile uses \${claims.${claim}}`);
  }
  for (let i = 0; i < templates.length; i++) {
    for (let j = i + 1; j < templates.length; j++) {
      const a = templates[i]!;
      const b = templates[j]!;
      const overlap = templateOverlap(a.template, b.template);
      if (overlap === 'same') problems.push(`${b.field}: the same template as ${a.field}; list each area once`);
      else if (overlap === 'ambiguous') {
        problems.push(
          `${b.field}: can render the same prefix as ${a.field} (a claim value could equal a literal or another claim ` +
            'in the same segment); start the two with different literal segments, e.g. "home/" and "teams/"',
        );
      }
    }
  }
  return problems;
}

/**
 * How two templates' prefixes can relate: `disjoint` (a literal segment differs), `same` (identical), `nested`
 * (identical up to the shorter, which then contains the longer: intended), or `ambiguous` (they could coincide only
 * when a claim value equals a literal or another claim).
 */
function templateOverlap(a: CompiledPrefixTemplate, b: CompiledPrefixTemplate): 'disjoint' | 'same' | 'nested' | 'ambiguous' {
  let ambiguous = false;
  const shorter = Math.min(a.parts.length, b.parts.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.parts[i]!;
    const y = b.parts[i]!;
    if (x.kind === 'literal' && y.kind === 'literal') {
      if (x.text !== y.text) return 'disjoint';
    } else if (x.kind !== y.kind || x.kind === 'literal' || y.kind === 'literal' || x.name !== y.name) {
      ambiguous = true;
    }
  }
  if (ambiguous) return 'ambiguous';
  return a.parts.length === b.parts.length ? 'same' : 'nested';
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

/** A profile's templates, each with the field it comes from; a template that does not parse is a problem instead. */
function compileTemplates(name: string, profile: ProfileConfig, problems: string[]): FieldTemplate[] {
  const fields: [string, string][] = [
    [`profiles.${name}.prefix`, profile.prefix],
    ...(profile.areas ?? []).map((area, i): [string, string] => [`profiles.${name}.areas[${i}].prefix`, area.prefix]),
  ];
  const compiled: FieldTemplate[] = [];
  for (const [field, text] of fields) {
    try {
      compiled.push({ field, template: compilePrefixTemplate(text) });
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
    }
  }
  return compiled;
}

/** Prefix templates, fixed tenants and policy sizes, profile by profile. */
function templateProblems(config: Readonly<BrokerConfig>): string[] {
  const problems: string[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    const before = problems.length;
    const templates = compileTemplates(name, profile, problems);
    if (problems.length > before) continue;
    const clients = config.clients.map((client, index) => ({ client, index })).filter(({ client }) => profile.clients.includes(client.id));
    const usesTenant = templates.some(({ template }) => template.placeholders.includes('tenant'));
    const own = [
      ...templates.flatMap(({ field, template }) => placeholderProblems(field, template, clients)),
      ...areaProblems(name, profile, templates),
      ...(usesTenant ? fixedTenantProblems(name, profile, clients) : []),
    ];
    problems.push(...own);
    if (own.length > 0) continue;
    const lengths = usesTenant ? fixedLengths(clients) : {};
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
