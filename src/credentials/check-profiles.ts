/**
 * Start-up checks that need the rules and the policy builder, not just the schema: every prefix template parses,
 * and every profile can produce a session policy within the STS size limit. A profile that could never issue a
 * token stops start-up; one whose worst case may not fit is a warning (such requests get policy_too_large).
 */
import type { BrokerConfig } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { compilePrefixTemplate } from '../rules/index.js';
import { checkProfileFits } from '../policy/index.js';

export function checkProfiles(config: Readonly<BrokerConfig>): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    try {
      compilePrefixTemplate(profile.prefix);
    } catch (error) {
      problems.push(`profiles.${name}.prefix: ${(error as Error).message}`);
      continue;
    }
    try {
      const fit = checkProfileFits(name, profile, config.sts.policyMaxChars);
      if (fit.warning) warnings.push(fit.warning);
    } catch (error) {
      problems.push(`profiles.${name}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return warnings;
}
