/**
 * Audit events through a bound sink (bindAudit): the log sink writes the bound fields and the event's own fields
 * on one line of the audit channel; a sink without `bind` receives the merged event.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { bindAudit, createLogAuditSink, type AuditBinding, type AuditEvent } from './audit.js';

const fields: AuditBinding = {
  principal: { kind: 'oidc', clientId: 'web', subject: 'alice', tenant: 'acme' },
  profile: 'documents',
  prefix: 'docs/acme/alice/',
  keys: ['docs/acme/alice/a.png'],
  policySha256: 'a'.repeat(64),
  roleSessionName: 'web-alice',
  sourceIdentity: 'osb:web:acme:alice',
};
const event = {
  event: 'credentials.cached',
  outcome: 'cached',
  requestId: 'r-1',
  at: '2030-01-01T00:00:00.000Z',
  accessKeyId: 'STS.fake',
  expiration: '2030-01-01T01:00:00.000Z',
  sourceIp: '127.0.0.1',
} as const;

describe('bound audit sinks', () => {
  it('the log sink writes the bound fields and the event on one audit line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const bound = bindAudit(createLogAuditSink(createLogger('info', sink)), fields);
    bound.record(event);
    bound.record({ ...event, requestId: 'r-2' });
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ channel: 'audit', msg: 'credentials.cached', ...fields, principal: { ...fields.principal }, ...event });
    expect(second).toMatchObject({ requestId: 'r-2', prefix: fields.prefix });
  });

  it('a sink without bind gets the merged event', () => {
    const seen: AuditEvent[] = [];
    bindAudit({ record: (e) => seen.push(e) }, fields).record(event);
    expect(seen).toEqual([{ ...fields, ...event }]);
  });
});
