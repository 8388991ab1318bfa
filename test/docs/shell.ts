/**
 * Splits a shell snippet into simple commands, as bash would see them: continuation lines joined, comments dropped,
 * quotes removed, `$( ... )` substitutions parsed as commands of their own (the word that held one reads SUBST),
 * commands separated by `&&`, `||`, `;` and `|`, redirections and leading `NAME=value` assignments set apart.
 * Enough for the commands the documentation shows; anything it cannot read is an error, not a pass.
 */
export const SUBST = '\u0000subst';

export interface SimpleCommand {
  /** The program and its arguments, quotes removed. */
  words: string[];
  /** `NAME=value` words before the program. */
  assignments: string[];
  /** Files written with `>` or `>>`. */
  writes: string[];
}

export function shellCommands(snippet: string): SimpleCommand[] {
  const joined = snippet.replace(/\\\n/g, ' ');
  return joined.split('\n').flatMap((line) => parse(line).commands);
}

function parse(text: string): { commands: SimpleCommand[]; end: number } {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let redirect: '>' | '<' | undefined;
  const writes: string[] = [];
  const nested: SimpleCommand[] = [];

  const endWord = () => {
    if (word === undefined) return;
    if (redirect === '>') writes.push(word);
    else if (redirect === undefined) words.push(word);
    redirect = undefined;
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    const firstProgram = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    const assignments = firstProgram < 0 ? words : words.slice(0, firstProgram);
    const program = firstProgram < 0 ? [] : words.slice(firstProgram);
    if (program.length > 0 || assignments.length > 0 || writes.length > 0) {
      commands.push({ words: program, assignments, writes: [...writes] });
    }
    words = [];
    writes.length = 0;
  };

  let i = 0;
  let quote: "'" | '"' | undefined;
  while (i < text.length) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      const inner = parse(text.slice(i + 2));
      nested.push(...inner.commands);
      word = (word ?? '') + SUBST;
      i += 2 + inner.end + 1;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length) {
        word += text[i + 1]!;
        i++;
      } else word += c;
      i++;
      continue;
    }
    if (c === ')') {
      // The end of the substitution this call parses.
      endCommand();
      return { commands: [...nested, ...commands], end: i };
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
      i++;
      continue;
    }
    if (c === '#' && word === undefined) break;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      endCommand();
      i += 2;
      continue;
    }
    if (c === ';' || c === '|' || c === '&') {
      endCommand();
      i++;
      continue;
    }
    if (c === '>' || c === '<') {
      endWord();
      redirect = c;
      i += text[i + 1] === '>' ? 2 : 1;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[i + 1]!;
      i += 2;
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  endCommand();
  return { commands: [...nested, ...commands], end: text.length };
}
