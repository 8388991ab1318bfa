/** Audit events for every credential decision. */
export { createLogAuditSink, type AuditEvent, type AuditEventName, type AuditSink } from './audit.js';
