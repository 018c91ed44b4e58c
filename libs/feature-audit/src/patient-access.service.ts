import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { AuditAction, patientPseudonym } from '@hub/contracts';
import { AuditLogRepository, AuditLogRow, ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelQueryRepository } from '@hub/persistence';
import { AuditEntry, AuditUnavailableException, AuditWriter, HUB_CONFIG, isValidPatientIdentifier, PatientIdentifierType } from '@hub/platform';
import { AuditException, AuditExceptionCode } from './audit.exception';

export type IdentifierType = PatientIdentifierType;

/** One access to the patient's data, as shown to the patient and the privacy officer. */
export interface AccessLogEntry {
  time: string;
  action: string;
  resource: string;
  outcome: string;
  /** Why access was refused (outcome DENIED: missing_token, insufficient_scope, forbidden_kommune, purpose_of_use_required, ...); null otherwise. */
  refusalReason: string | null;
  purposeOfUse: string | null;
  client: string;
  organisation: string | null;
  person: { hpr: string | null; name: string | null } | null;
}

export interface AccessLog {
  kommunenummer: string;
  entries: AccessLogEntry[];
  auditId: string;
}

export interface BlockingState {
  kommunenummer: string;
  blocked: boolean;
  changedAt: string | null;
}

/** The patient's own reads of their log are made for this purpose (HL7 PurposeOfUse). */
const PATIENT_REQUEST = 'PATRQT';
const MAX_ENTRIES = 1000;

/**
 * The patient's side of the audit trail: the access log (for the patient with their own
 * token, and for the kommune's privacy officer) and blocking (sperring). Every answer is
 * itself audited first, and a block is an event on the kommune's audit topic, so the log,
 * not this table, is the truth a rebuild starts from.
 */
@Injectable()
export class PatientAccessService {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly audit: AuditWriter,
    private readonly auditLog: AuditLogRepository,
    private readonly state: ProjectionStateRepository,
    private readonly queries: ReadModelQueryRepository,
  ) {}

  /** The patient's identity from a patient:self token's `pid` claim; never from the request. */
  selfIdentity(principal: Principal): { type: IdentifierType; value: string } {
    const pid = principal.patientIdentifier;
    if (pid && isValidPatientIdentifier('FNR', pid)) return { type: 'FNR', value: pid };
    if (pid && isValidPatientIdentifier('DNR', pid)) return { type: 'DNR', value: pid };
    throw new AuditException(AuditExceptionCode.NO_PATIENT_IDENTITY, 'The token carries no valid patient identity (pid)');
  }

  /** Who accessed the patient's data in this kommune, newest first; audited before it is returned. */
  async accessLog(kommunenummer: string, identity: { type: IdentifierType; value: string }, principal: Principal, purposeOfUse: string = PATIENT_REQUEST): Promise<AccessLog> {
    const { pseudonym, group } = await this.resolve(kommunenummer, identity);
    const rows = await this.auditLog.accessLog(kommunenummer, group, MAX_ENTRIES);
    const record = await this.write({ kommunenummer, action: 'READ_ACCESS_LOG', resource: 'access-log', patientPseudonym: pseudonym, principal, purposeOfUse, outcome: 'SUCCESS' });
    return { kommunenummer, entries: rows.map(toEntry), auditId: record.auditId };
  }

  async blockingState(kommunenummer: string, identity: { type: IdentifierType; value: string }): Promise<BlockingState> {
    const { group } = await this.resolve(kommunenummer, identity);
    const block = await this.auditLog.blockedAmong(kommunenummer, group);
    return { kommunenummer, blocked: block !== undefined, changedAt: block?.changedAt ?? null };
  }

  /**
   * Blocks or unblocks: the event goes to the audit topic (acks=all) first, then is written
   * through to patient_blocks so the very next read sees it; the projection applies the same
   * event later without effect (newest change wins by time and audit id).
   */
  async setBlocked(kommunenummer: string, identity: { type: IdentifierType; value: string }, principal: Principal, blocked: boolean): Promise<BlockingState & { auditId: string }> {
    const pseudonym = patientPseudonym(this.config.pseudonymKey, kommunenummer, identity.type, identity.value);
    const action: AuditAction = blocked ? 'BLOCK' : 'UNBLOCK';
    const record = await this.write({ kommunenummer, action, resource: 'blocking', patientPseudonym: pseudonym, principal, purposeOfUse: PATIENT_REQUEST, outcome: 'SUCCESS' });
    const { group } = await this.resolve(kommunenummer, identity);
    // Unblocking must lift every block of the patient's linked identities, not only this one.
    const targets = blocked ? [pseudonym] : group;
    for (const target of targets) {
      await this.auditLog.applyBlock({ kommunenummer, patientPseudonym: target, blocked, changedAtMs: Number(record.occurredAt), auditId: record.auditId, clientId: record.clientId });
    }
    return { ...(await this.blockingState(kommunenummer, identity)), auditId: record.auditId };
  }

  private async write(entry: Omit<AuditEntry, 'correlationId'>) {
    try {
      return await this.audit.recordEvent({ ...entry, correlationId: randomUUID() });
    } catch (error) {
      if (error instanceof AuditUnavailableException) throw new AuditException(AuditExceptionCode.AUDIT_UNAVAILABLE, 'The audit log is unavailable; try again later');
      throw error;
    }
  }

  private async resolve(kommunenummer: string, identity: { type: IdentifierType; value: string }): Promise<{ pseudonym: string; group: string[] }> {
    const pseudonym = patientPseudonym(this.config.pseudonymKey, kommunenummer, identity.type, identity.value);
    const schema = await this.state.activeSchema(READ_MODEL_PROJECTION);
    const group = await this.queries.linkedPseudonyms(schema, kommunenummer, [pseudonym]);
    return { pseudonym, group: group.includes(pseudonym) ? group : [pseudonym, ...group] };
  }
}

/** One audit row as the access log and the audit-event list show it: who, what, when, how it ended; never the pseudonym. */
export function toEntry(row: AuditLogRow): AccessLogEntry {
  return {
    time: new Date(row.occurredAt).toISOString(),
    action: row.action,
    resource: row.resource,
    outcome: row.outcome,
    refusalReason: row.refusalReason ?? null,
    purposeOfUse: row.purposeOfUse,
    client: row.clientId,
    organisation: row.organisation,
    person: row.actorHpr || row.actorName ? { hpr: row.actorHpr, name: row.actorName } : null,
  };
}
