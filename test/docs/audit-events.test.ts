/**
 * docs/operations.md "Audit events" is the reference operators build their queries on: it must name every event,
 * outcome and field the audit event type (src/audit/audit.ts) has, and nothing it does not.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeSpans, parsePage, ROOT, type Table } from './markdown.js';

const AUDIT_SOURCE = 'src/audit/audit.ts';
const source = ts.createSourceFile(AUDIT_SOURCE, readFileSync(`${ROOT}${AUDIT_SOURCE}`, 'utf8'), ts.ScriptTarget.ES2022, true);

/** The string literals of a union type. */
function literals(type: ts.TypeNode | undefined): string[] {
  if (type === undefined || !ts.isUnionTypeNode(type)) throw new Error('expected a union of string literals');
  return type.types.map((t) => {
    if (!ts.isLiteralTypeNode(t) || !ts.isStringLiteral(t.literal)) throw new Error(`not a string literal: ${t.getText()}`);
    return t.literal.text;
  });
}

function declared() {
  let events: string[] = [];
  const fields: string[] = [];
  let outcomes: string[] = [];
  ts.forEachChild(source, (node) => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === 'AuditEventName') events = literals(node.type);
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'AuditEvent') {
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        fields.push(member.name.getText());
        if (member.name.getText() === 'outcome') outcomes = literals(member.type);
      }
    }
  });
  return { events, fields, outcomes };
}

const page = parsePage('docs/operations.md', readFileSync(`${ROOT}docs/operations.md`, 'utf8'));
function table(firstColumn: string): Table {
  const found = page.tables.find((t) => t.heading === 'Audit events' && t.header[0] === firstColumn);
  if (found === undefined) throw new Error(`docs/operations.md "Audit events" has no table headed ${firstColumn}`);
  return found;
}
const column = (t: Table, i: number) => [...new Set(t.rows.flatMap((row) => codeSpans(row[i] ?? '')))].sort();
const sorted = (list: string[]) => [...new Set(list)].sort();

describe('the audit events reference', () => {
  const { events, fields, outcomes } = declared();

  it('reads the type it checks against', () => {
    expect(events).toContain('credentials.issued');
    expect(fields).toEqual(expect.arrayContaining(['event', 'principal', 'accessKeyId']));
    expect(outcomes).toContain('refused');
  });

  it('names every event and no other, each with outcomes the type has', () => {
    const documented = table('`event`');
    expect(column(documented, 0)).toEqual(sorted(events));
    expect(column(documented, 1)).toEqual(sorted(outcomes));
  });

  it('names every field and no other (`event` and `outcome` have their own table)', () => {
    expect(column(table('field'), 0)).toEqual(sorted(fields.filter((f) => f !== 'event' && f !== 'outcome')));
  });
});
