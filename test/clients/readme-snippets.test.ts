/**
 * The README's Node-runnable client snippets are these files, verbatim: the tests run the files
 * (test/e2e/token-lifetime.test.ts, test/e2e/credentials-uri.test.ts), and this test fails if the README's copy
 * drifts from what was tested.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const readme = read('../../docs/clients.md');

describe('README client snippets', () => {
  it.each(['snippets/ali-oss-uploader.mjs', 'snippets/partner-credentials-uri.mjs'])('README shows %s exactly', (file) => {
    expect(readme).toContain(`\`\`\`js\n${read(file)}\`\`\``);
  });

  it('the README says nothing of a fixed 10-minute ali-oss refresh any more', () => {
    expect(readme).not.toMatch(/refreshSTSTokenInterval:\s*10\s*\*\s*60/);
  });
});
