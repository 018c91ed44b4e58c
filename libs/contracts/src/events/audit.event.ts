/** Value of `hendelseslager.kommune.<knr>.audit.v1`; mirrors schemas/audit-event.avsc. */
export type AuditAction = 'READ' | 'SEARCH' | 'READ_ORIGINAL' | 'BLOCK' | 'UNBLOCK' | 'READ_ACCESS_LOG';
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
}
