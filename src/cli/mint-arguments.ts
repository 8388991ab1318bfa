/**
 * The command line of the two minting tools (new-api-key.ts, new-credential-url.ts): `--help` prints the usage and
 * mints nothing; any other option, a missing or extra operand, or an operand that starts with `-` (it reads as an
 * option, so `--help` must never become a key id) is refused with the usage. Exit codes: 0 done, 2 usage error.
 */
import { parseArgs } from 'node:util';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class UsageError extends Error {}

/** The operands, or undefined when `--help` asked for the usage. Throws UsageError. */
export function operands(argv: readonly string[], required: number, optional: number): string[] | undefined {
  let parsed: ReturnType<typeof parseArgs<{ options: { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return undefined;
  const { positionals } = parsed;
  const dashed = positionals.find((p) => p.startsWith('-'));
  if (dashed !== undefined)
    throw new UsageError(`"${dashed}" starts with "-" and reads as an option; ids and names start with a letter or digit`);
  if (positionals.length < required) throw new UsageError('missing operand');
  if (positionals.length > required + optional) throw new UsageError(`unexpected operand "${positionals[required + optional]}"`);
  return positionals;
}

/** Runs `mint` over the command line: usage on --help, a one-line reason and the usage on a bad one. */
export function runMint(
  argv: readonly string[],
  usage: string,
  required: number,
  optional: number,
  mint: (args: string[]) => string,
): CliResult {
  try {
    const args = operands(argv, required, optional);
    if (args === undefined) return { code: 0, stdout: usage, stderr: '' };
    return { code: 0, stdout: mint(args), stderr: '' };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, stdout: '', stderr: `${error.message}\n${usage}` };
    throw error;
  }
}

/** Writes a result and sets the exit code (the entry points' last line). */
export function finish(result: CliResult): void {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
