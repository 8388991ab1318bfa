import { describe, expect, it } from 'vitest';
import { codeOf } from '../../dev/testing/errors.js';
import { BrokerError } from '../errors.js';
import { compilePrefixTemplate } from './prefix-template.js';

describe('compilePrefixTemplate: parsing', () => {
  it.each([
    ['uploads/${tenant}/${sub}/', ['tenant', 'sub']],
    ['${sub}/', ['sub']],
    ['static/', []],
    ['partners/${tenant}/in/', ['tenant']],
    ['a/${x}/${x}/', ['x']],
    ['v1.0/my_dir-2/${org_id}/', ['org_id']],
  ])('accepts %j with placeholders %j', (template, placeholders) => {
    const compiled = compilePrefixTemplate(template);
    expect(compiled.placeholders).toEqual(placeholders);
    expect(compiled.template).toBe(template);
  });

  it.each([
    ['', /empty/],
    ['/uploads/${sub}/', /must not start with "\/"/],
    ['uploads/${sub}', /must end with "\/"/],
    ['uploads', /must end with "\/"/],
    ['uploads//${sub}/', /empty segment/],
    ['uploads/${sub/', /unbalanced/],
    ['uploads/$sub/', /unbalanced or unknown/],
    ['uploads/sub}/', /unbalanced/],
    ['uploads/${}/', /placeholder must be a whole segment/],
    ['uploads/${1abc}/', /placeholder must be a whole segment/],
    ['uploads/${a-b}/', /placeholder must be a whole segment/],
    ['uploads/${${sub}}/', /unbalanced|whole segment/],
    ['uploads/a${sub}b/', /whole segment/],
    ['uploads/${tenant}-${sub}/', /whole segment/],
    ['uploads/*/', /wildcards/],
    ['uploads/a?/', /wildcards/],
    ['uploads/../${sub}/', /"\."/],
    ['uploads/a..b/', /"\."/],
    ['./${sub}/', /"\."/],
    ['up loads/${sub}/', /may only contain/],
    ['up\\loads/${sub}/', /may only contain/],
    ['uplöads/${sub}/', /may only contain/],
    ['/', /must not start/],
  ])('refuses %j', (template, message) => {
    expect(() => compilePrefixTemplate(template)).toThrow(message);
    try {
      compilePrefixTemplate(template);
    } catch (error) {
      expect(error).not.toBeInstanceOf(BrokerError); // a start-up failure, not a request failure
    }
  });
});

describe('compilePrefixTemplate: render', () => {
  const t = compilePrefixTemplate('uploads/${tenant}/${sub}/');

  it('renders each placeholder as one segment, verbatim', () => {
    expect(t.render({ tenant: 'acme', sub: 'alice@example.com' })).toBe('uploads/acme/alice@example.com/');
  });

  it('ignores claims the template does not use', () => {
    expect(t.render({ tenant: 'acme', sub: 'bob', other: '*' })).toBe('uploads/acme/bob/');
  });

  it('refuses a missing claim with invalid_name naming it', () => {
    expect(() => t.render({ tenant: 'acme' })).toThrow(/claim "sub"/);
    expect(codeOf(() => t.render({ tenant: 'acme' }))).toBe('invalid_name');
  });

  it('never resolves a placeholder through Object.prototype', () => {
    const proto = compilePrefixTemplate('x/${constructor}/${toString}/');
    expect(codeOf(() => proto.render({}))).toBe('invalid_name');
    expect(codeOf(() => proto.render(Object.create({ constructor: 'a', toString: 'b' }) as Record<string, string>))).toBe('invalid_name');
  });

  it.each(['*', 'a/b', '..', '', '${x}', 'a b', 'a\u0000', 'x'.repeat(129)])('refuses claim value %j', (sub) => {
    expect(codeOf(() => t.render({ tenant: 'acme', sub }))).toBe('invalid_name');
    expect(() => t.render({ tenant: 'acme', sub })).toThrow(/claim "sub"/);
  });

  it('refuses a rendered prefix over the OSS key limit with key_too_long', () => {
    const many = compilePrefixTemplate(`${Array.from({ length: 9 }, (_, i) => `\${c${i}}`).join('/')}/`);
    const values = Object.fromEntries(many.placeholders.map((name) => [name, 'x'.repeat(128)]));
    expect(codeOf(() => many.render(values))).toBe('key_too_long');
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.placeholders)).toBe(true);
  });
});

describe('compilePrefixTemplate: list placeholders', () => {
  const teams = compilePrefixTemplate('teams/${tenant}/${claims.groups}/');

  it('parses ${claims.name} as the list claim, apart from the single-value placeholders', () => {
    expect(teams.listClaim).toBe('groups');
    expect(teams.placeholders).toEqual(['tenant']);
    expect(compilePrefixTemplate('t/${claims.cognito:groups}/').listClaim).toBe('cognito:groups');
    expect(compilePrefixTemplate('uploads/${tenant}/').listClaim).toBeUndefined();
  });

  it('renders one prefix per value, with the single values checked as by render', () => {
    expect(teams.renderEach({ tenant: 'acme' }, ['data', 'ops'])).toEqual(['teams/acme/data/', 'teams/acme/ops/']);
    expect(teams.renderEach({ tenant: 'acme' }, [])).toEqual([]);
    expect(codeOf(() => teams.renderEach({ tenant: 'a/b' }, ['ops']))).toBe('invalid_name');
    expect(compilePrefixTemplate('shared/${tenant}/').renderEach({ tenant: 'acme' }, [])).toEqual(['shared/acme/']);
  });

  it('refuses render() on a list template (a programming error, not a caller error)', () => {
    expect(() => teams.render({ tenant: 'acme' })).toThrow(/use renderEach/);
    expect(() => teams.render({ tenant: 'acme' })).not.toThrow(BrokerError);
  });

  it.each([
    ['two lists', 't/${claims.a}/${claims.b}/', /at most one/],
    ['a list inside a segment', 't/x${claims.a}/', /whole segment|unbalanced/],
    ['an empty list name', 't/${claims.}/', /placeholder/],
    ['a list name with a space', 't/${claims.a b}/', /placeholder/],
  ])('refuses %s', (_label, template, message) => {
    expect(() => compilePrefixTemplate(template)).toThrow(message);
  });

  it('refuses a rendered list prefix over the OSS key limit with key_too_long', () => {
    const long = compilePrefixTemplate(`${'l'.repeat(1000)}/\${claims.g}/`);
    expect(codeOf(() => long.renderEach({}, ['x'.repeat(30)]))).toBe('key_too_long');
  });
});
