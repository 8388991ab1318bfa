/**
 * A profile's `areas`, rendered for one caller: each area's template filled with the caller's claims, a list
 * claim giving one area per value (list-claims.ts). Templates are compiled once per profile object and kept, so a
 * request does no parsing; a profile without areas costs one property check.
 */
import type { Operation, ProfileConfig } from '../config/schema.js';
import type { Principal } from '../auth/principal.js';
import type { GrantArea } from './grant.js';
import { listClaimLimits, listClaimValues } from './list-claims.js';
import { compilePrefixTemplate, type CompiledPrefixTemplate } from './prefix-template.js';

interface CompiledArea {
  template: CompiledPrefixTemplate;
  operations: readonly Operation[];
}

const compiledAreas = new WeakMap<object, readonly CompiledArea[]>();

/** The compiled areas of a profile; a bad template throws a plain Error (start-up checks report it first). */
export function compileAreas(profile: Pick<ProfileConfig, 'areas'>): readonly CompiledArea[] {
  const areas = profile.areas;
  if (areas === undefined) return [];
  let compiled = compiledAreas.get(areas);
  if (compiled === undefined) {
    compiled = Object.freeze(areas.map((area) => ({ template: compilePrefixTemplate(area.prefix), operations: area.operations })));
    compiledAreas.set(areas, compiled);
  }
  return compiled;
}

/**
 * The caller's areas, in the profile's order (and, within a list area, in value order); undefined when the profile
 * declares none. A list claim with no values gives no area from its template: the caller is in no team, not refused.
 */
export function renderAreas(profileName: string, profile: ProfileConfig, principal: Principal): GrantArea[] | undefined {
  if (profile.areas === undefined) return undefined;
  const rendered: GrantArea[] = [];
  for (const { template, operations } of compileAreas(profile)) {
    const list = template.listClaim;
    const values = list === undefined ? [] : listClaimValues(principal, list, listClaimLimits(profile, list), profileName);
    for (const prefix of template.renderEach(principal.claims, values, profile.maxClaimChars)) {
      rendered.push({ prefix, operations: [...operations] });
    }
  }
  return rendered;
}
