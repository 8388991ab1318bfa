/** Audit events for every credential decision. */
export type { AuditEvent } from './audit.js';
