import { existsSync } from 'node:fs';

/** A program from the machine's packages that some tests run (haproxy, redis-server). */
export interface SystemTool {
  /** True only outside CI, where the program is missing: those tests skip, after one line saying why. */
  skip: boolean;
  /** Its path; throws, naming the package, where it is missing (under CI, where nothing may skip). */
  path(): string;
}

/**
 * The first of `paths` that exists. .ci/run installs every such package, so under CI (CI set) a missing program
 * fails the tests that need it instead of skipping them; elsewhere they skip with a warning.
 */
export function systemTool(name: string, paths: string[], debianPackage: string): SystemTool {
  const found = paths.find((p) => existsSync(p));
  const skip = found === undefined && !process.env.CI;
  if (skip) {
    // Vitest prints no reason for a skipped test; say why, and how to run it.
    console.warn(`SKIPPED: tests that run ${name}: not installed here (apt-get install ${debianPackage}; .ci/run installs it).`);
  }
  return {
    skip,
    path() {
      if (found === undefined) throw new Error(`${name} is not installed: apt-get install ${debianPackage} (.ci/run does)`);
      return found;
    },
  };
}
