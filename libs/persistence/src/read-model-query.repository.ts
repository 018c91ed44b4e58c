import type { DataSource } from 'typeorm';
import type { PatientRecordRows } from '@hub/projections';
import { assertSchemaName } from './read-model.schema';

/**
 * Reads of the clinical read model for one patient. Raw SQL: the live schema generation is a
 * runtime value and the identity-link closure is a recursive query.
 */
export class ReadModelQueryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every pseudonym linked to the given ones (FNR + HNR given together make one person). */
  async linkedPseudonyms(schema: string, knr: string, pseudonyms: string[]): Promise<string[]> {
    assertSchemaName(schema);
    const rows: Array<{ pseudonym: string }> = await this.dataSource.query(
      `WITH RECURSIVE closure(pseudonym) AS (
         SELECT unnest($2::text[])
         UNION
         SELECT l.linked FROM "${schema}".patient_links l JOIN closure c ON l.pseudonym = c.pseudonym WHERE l.kommunenummer = $1
       ) SELECT pseudonym FROM closure`,
      [knr, pseudonyms],
    );
    return rows.map((r) => r.pseudonym).sort();
  }

  async patientRecord(schema: string, knr: string, patients: string[]): Promise<PatientRecordRows> {
    assertSchemaName(schema);
    const s = `"${schema}"`;
    const where = 'WHERE kommunenummer = $1 AND patient = ANY($2)';
    const params = [knr, patients];
    const [patientRows, services, serviceNeeds, diagnoses, events, messages] = await Promise.all([
      this.dataSource.query(`SELECT pseudonym, family_name, given_name, birth_date, sex, identifier_types FROM ${s}.patients WHERE kommunenummer = $1 AND pseudonym = ANY($2)`, params),
      this.dataSource.query(`SELECT * FROM ${s}.service_facts ${where} ORDER BY reported_at, doc_key, ordinal`, params),
      this.dataSource.query(`SELECT * FROM ${s}.service_need_facts ${where} ORDER BY reported_at, doc_key, ordinal`, params),
      this.dataSource.query(`SELECT * FROM ${s}.diagnosis_facts ${where} ORDER BY reported_at, doc_key, ordinal`, params),
      this.dataSource.query(`SELECT * FROM ${s}.patient_event_facts ${where} ORDER BY coalesce(time, reported_at), doc_key, ordinal`, params),
      this.dataSource.query(
        `SELECT v.msg_id, v.msg_type, v.standard, v.standard_version, v.status, v.gen_date, v.recorded_at, v.sender_name, v.doc_key, v.event_type,
                d.state AS document_state
           FROM ${s}.message_versions v LEFT JOIN ${s}.documents d ON d.kommunenummer = v.kommunenummer AND d.doc_key = v.doc_key
          WHERE v.kommunenummer = $1 AND v.patient = ANY($2) ORDER BY v.gen_date, v.msg_id`,
        params,
      ),
    ]);
    return { patients: patientRows, services, serviceNeeds, diagnoses, events, messages };
  }
}
