import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { AuditAction, patientPseudonym } from '@hub/contracts';
import { isValidDnr, isValidFnr } from '@hub/messages';
import { ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelQueryRepository } from '@hub/persistence';
import { buildPatientOverview, PatientOverview } from '@hub/projections';
import { HUB_CONFIG } from '@hub/platform';
import { AuditService } from './audit.service';

export type PatientIdentifierType = 'FNR' | 'DNR' | 'FHN';

export interface PatientQuery {
  kommunenummer: string;
  identifier: { type: PatientIdentifierType; value: string };
  principal: Principal;
  purposeOfUse: string;
  action: AuditAction;
  resource: string;
}

export interface PatientReadResult {
  overview: PatientOverview;
  found: boolean;
  auditId: string;
}

export class InvalidPatientIdentifierException extends Error {
  constructor() {
    super('The patient identifier is not a valid fødselsnummer or D-nummer (checksum or date)');
    this.name = 'InvalidPatientIdentifierException';
  }
}

/** HL7 v3 PurposeOfUse codes accepted on patient reads. */
export const PURPOSES_OF_USE = new Set(['TREAT', 'ETREAT', 'COC', 'CAREMGT', 'PATADMIN', 'PATRQT', 'HOPERAT', 'HQUALIMP']);

/**
 * One patient read: identifier → pseudonym (and every linked pseudonym) → read model →
 * overview, audited before it is returned. The identifier itself is never stored or logged.
 */
@Injectable()
export class PatientReadService {
  private readonly state: ProjectionStateRepository;
  private readonly queries: ReadModelQueryRepository;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig, private readonly audit: AuditService, private readonly dataSource: DataSource) {
    this.state = new ProjectionStateRepository(dataSource);
    this.queries = new ReadModelQueryRepository(dataSource);
  }

  async read(query: PatientQuery): Promise<PatientReadResult> {
    const { type, value } = query.identifier;
    if ((type === 'FNR' && !isValidFnr(value)) || (type === 'DNR' && !isValidDnr(value))) throw new InvalidPatientIdentifierException();
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    const pseudonym = patientPseudonym(this.config.pseudonymKey, query.kommunenummer, type, value);
    const schema = await this.state.activeSchema(READ_MODEL_PROJECTION);
    const group = await this.queries.linkedPseudonyms(schema, query.kommunenummer, [pseudonym]);
    const rows = await this.queries.patientRecord(schema, query.kommunenummer, group);
    const overview = buildPatientOverview(rows, pseudonym, todayInOslo());
    const found = rows.patients.length > 0 || rows.messages.length > 0;
    const auditId = await this.audit.record({
      kommunenummer: query.kommunenummer,
      action: query.action,
      resource: query.resource,
      patientPseudonym: pseudonym,
      principal: query.principal,
      purposeOfUse: query.purposeOfUse,
      outcome: found ? 'SUCCESS' : 'NOT_FOUND',
      correlationId: randomUUID(),
    });
    return { overview, found, auditId };
  }
}

export function todayInOslo(): string {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Oslo' });
}
