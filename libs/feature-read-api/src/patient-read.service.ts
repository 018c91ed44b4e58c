import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { AuditAction, patientPseudonym } from '@hub/contracts';
import { norwegianDate } from '@hub/messages';
import { PatientSnapshot, ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelQueryRepository } from '@hub/persistence';
import { buildPatientOverview, FactSection, PatientOverview, PatientRecordRows } from '@hub/projections';
import { AuditEntry, AuditWriter, HUB_CONFIG, isValidPatientIdentifier, PatientIdentifierType } from '@hub/platform';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';

export type { PatientIdentifierType };

export interface PatientQuery {
  kommunenummer: string;
  identifier: { type: PatientIdentifierType; value: string };
  principal: Principal;
  purposeOfUse: string;
  action: AuditAction;
  resource: string;
  /**
   * The fact row sets the caller will use (default all): the overview's other parts are then
   * empty. A FHIR search of one type asks for what that type is built from (fhir-search.ts).
   */
  sections?: readonly FactSection[];
}

export interface PatientReadResult {
  overview: PatientOverview;
  found: boolean;
  /**
   * The patient has blocked sharing (sperring) in this kommune: `overview` is then empty and
   * `found` false, and the answer must say the record is blocked.
   */
  blocked: boolean;
  auditId: string;
}

export class InvalidPatientIdentifierException extends ReadApiException {
  constructor() {
    super(ReadApiExceptionCode.INVALID_IDENTIFIER, 'The patient identifier is not a valid fødselsnummer or D-nummer (checksum or date)');
  }
}

/**
 * One patient read: identifier → pseudonym (and every linked pseudonym) → read model →
 * overview, audited before it is returned. The identifier itself is never stored or logged.
 */
@Injectable()
export class PatientReadService {
  /** The live read-model generation as last seen (checked by every read's own statement). */
  private liveSchema?: string;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly audit: AuditWriter,
    private readonly state: ProjectionStateRepository,
    private readonly queries: ReadModelQueryRepository,
  ) {}

  async read(query: PatientQuery): Promise<PatientReadResult> {
    const { type, value } = query.identifier;
    // The edge has parsed it already (PatientIdentifierPipe); the service does not trust its callers.
    if (!isValidPatientIdentifier(type, value)) throw new InvalidPatientIdentifierException();
    const pseudonym = patientPseudonym(this.config.pseudonymKey, query.kommunenummer, type, value);
    const snapshot = await this.snapshot(query.kommunenummer, pseudonym, query.sections);
    // A block on any identity of the patient (FNR, D-nummer linked to it) blocks the whole record;
    // the clinical rows are then never read, and the attempt is audited as BLOCKED.
    if (snapshot.blocked) {
      const auditId = await this.audit.record({ ...this.auditEntry(query, pseudonym), outcome: 'BLOCKED' });
      return { overview: buildPatientOverview(EMPTY_RECORD, pseudonym, norwegianDate(new Date())), found: false, blocked: true, auditId };
    }
    const rows = snapshot.rows!;
    const overview = buildPatientOverview(rows, pseudonym, norwegianDate(new Date()));
    const found = rows.patients.length > 0 || rows.messages.length > 0;
    const auditId = await this.audit.record({ ...this.auditEntry(query, pseudonym), outcome: found ? 'SUCCESS' : 'NOT_FOUND' });
    return { overview, found, blocked: false, auditId };
  }

  /**
   * Which of these messages (MsgId, the read model's msg_id) the live read model holds in this
   * kommune: whether a notification about them can be built yet. Not a read of anyone's record
   * (no clinical row is read and nothing leaves the hub), so not audited; the read that builds
   * the notification is.
   */
  async messagesHeld(knr: string, msgIds: readonly string[]): Promise<Set<string>> {
    const answer = await this.inLiveGeneration((schema) => this.queries.messagesHeld(schema, READ_MODEL_PROJECTION, knr, msgIds));
    return new Set(answer.held);
  }

  /**
   * One statement per read in the common case: the live generation is remembered, and the
   * statement itself reports the live generation, so a read after a rebuild's switch notices it
   * and asks again in the new one (the rows of a generation no longer live are never used).
   */
  private snapshot(knr: string, pseudonym: string, sections?: readonly FactSection[]): Promise<PatientSnapshot> {
    return this.inLiveGeneration((schema) => this.queries.patientSnapshot(schema, READ_MODEL_PROJECTION, knr, pseudonym, sections));
  }

  /** Runs a statement that reports the live generation in the remembered one, until they agree. */
  private async inLiveGeneration<T extends { activeSchema: string | null }>(run: (schema: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const schema = (this.liveSchema ??= await this.state.activeSchema(READ_MODEL_PROJECTION));
      let answer: T;
      try {
        answer = await run(schema);
      } catch (error) {
        // The remembered generation was dropped after a switch: look the live one up again.
        if ((error as { code?: string }).code === UNDEFINED_TABLE && attempt < 2) {
          this.liveSchema = undefined;
          continue;
        }
        throw error;
      }
      if (answer.activeSchema === schema) return answer;
      if (!answer.activeSchema) throw new Error(`Projection ${READ_MODEL_PROJECTION} has no active generation; run the migrations`);
      this.liveSchema = answer.activeSchema;
    }
    throw new Error('The live read-model generation kept changing during one read');
  }

  private auditEntry(query: PatientQuery, pseudonym: string): Omit<AuditEntry, 'outcome'> {
    return {
      kommunenummer: query.kommunenummer,
      action: query.action,
      resource: query.resource,
      patientPseudonym: pseudonym,
      principal: query.principal,
      purposeOfUse: query.purposeOfUse,
      correlationId: randomUUID(),
    };
  }
}

const EMPTY_RECORD: PatientRecordRows = { patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [] };

/** PostgreSQL's undefined_table: a dropped generation's schema. */
const UNDEFINED_TABLE = '42P01';
