/** Value of `hendelseslager.kommune.<knr>.audit.v1`; mirrors schemas/audit-event.avsc. */
/** ACCESS: a request refused at authentication or authorisation (outcome DENIED), before any action was taken. */
export type AuditAction = 'READ' | 'SEARCH' | 'READ_ORIGINAL' | 'BLOCK' | 'UNBLOCK' | 'READ_ACCESS_LOG' | 'ACCESS';
export type AuditOutcome = 'SUCCESS' | 'BLOCKED' | 'DENIED' | 'NOT_FOUND';

export interface AuditRecord {
  auditId: string;
  kommunenummer: string;
  occurredAt: number;
  action: AuditAction;
  resource: string;
  patientPseudonym: string | null;
  clientId: string;
  organisation: string | null;
  actorHpr: string | null;
  actorName: string | null;
  purposeOfUse: string | null;
  outcome: AuditOutcome;
  correlationId: string;
  /** Why access was refused (outcome DENIED); absent or null otherwise. */
  refusalReason?: string | null;
}
