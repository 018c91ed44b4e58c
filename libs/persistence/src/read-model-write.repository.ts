import type { EntityManager } from 'typeorm';
import type { DocumentEvent } from '@hub/contracts';
import type { DocumentState, NewVersion, ReadModelTx, StoredVersion } from '@hub/projections';
import { assertSchemaName } from './read-model.schema';
import { multiRowValues } from './sql.util';

/**
 * PostgreSQL implementation of the projector's transaction port. Raw SQL because the tables
 * live in a per-generation schema (rebuilds fill a new schema beside the live one), which
 * TypeORM entities cannot express, and because facts are written with multi-row inserts.
 */
export class ReadModelWriteRepository implements ReadModelTx {
  private readonly s: string;

  constructor(private readonly manager: EntityManager, schema: string) {
    assertSchemaName(schema);
    this.s = `"${schema}"`;
  }

  async upsertVersion(knr: string, v: NewVersion): Promise<{ docKey: string | null; chainDepth: number | null }> {
    const rows: Array<{ doc_key: string | null; chain_depth: number | null }> = await this.manager.query(
      `INSERT INTO ${this.s}.message_versions (kommunenummer, msg_id, event_id, event_type, msg_type, standard, standard_version,
         status, explicit_doc_id, ref_to_parent, ref_to_conversation, patient, gen_date, recorded_at, sender_her_ids, sender_name,
         facts, source_topic, source_partition, source_offset)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,to_timestamp($14::double precision / 1000),$15,$16,$17,$18,$19,$20)
       ON CONFLICT (kommunenummer, msg_id) DO UPDATE SET event_id = EXCLUDED.event_id, event_type = EXCLUDED.event_type,
         msg_type = EXCLUDED.msg_type, standard = EXCLUDED.standard, standard_version = EXCLUDED.standard_version, status = EXCLUDED.status,
         explicit_doc_id = EXCLUDED.explicit_doc_id, patient = EXCLUDED.patient, gen_date = EXCLUDED.gen_date,
         sender_her_ids = EXCLUDED.sender_her_ids, sender_name = EXCLUDED.sender_name, facts = EXCLUDED.facts
       RETURNING doc_key, chain_depth`,
      [
        knr, v.msgId, v.eventId, v.eventType, v.msgType, v.standard, v.standardVersion, v.status, v.explicitDocId, v.refToParent,
        v.refToConversation, v.patient, v.genDate, v.recordedAt, v.senderHerIds, v.senderName, JSON.stringify(v.facts),
        v.source.topic, v.source.partition, v.source.offset,
      ],
    );
    return { docKey: rows[0]?.doc_key ?? null, chainDepth: rows[0]?.chain_depth ?? null };
  }

  async getVersion(knr: string, msgId: string): Promise<StoredVersion | undefined> {
    const rows = await this.manager.query(`SELECT ${VERSION_COLUMNS} FROM ${this.s}.message_versions WHERE kommunenummer = $1 AND msg_id = $2`, [knr, msgId]);
    return rows[0] ? toVersion(rows[0]) : undefined;
  }

  async pendingChildren(knr: string, parentMsgId: string): Promise<StoredVersion[]> {
    const rows = await this.manager.query(
      `SELECT ${VERSION_COLUMNS} FROM ${this.s}.message_versions WHERE kommunenummer = $1 AND ref_to_parent = $2 AND doc_key IS NULL`,
      [knr, parentMsgId],
    );
    return rows.map(toVersion);
  }

  async setDocKey(knr: string, msgId: string, docKey: string, chainDepth: number): Promise<void> {
    await this.manager.query(`UPDATE ${this.s}.message_versions SET doc_key = $3, chain_depth = $4 WHERE kommunenummer = $1 AND msg_id = $2`, [
      knr, msgId, docKey, chainDepth,
    ]);
  }

  async versionsOfDocument(knr: string, docKey: string): Promise<StoredVersion[]> {
    const rows = await this.manager.query(`SELECT ${VERSION_COLUMNS} FROM ${this.s}.message_versions WHERE kommunenummer = $1 AND doc_key = $2`, [knr, docKey]);
    return rows.map(toVersion);
  }

  async saveDocument(knr: string, d: DocumentState): Promise<void> {
    await this.manager.query(
      `INSERT INTO ${this.s}.documents (kommunenummer, doc_key, msg_type, patient, state, current_msg_id, version_count)
       VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (kommunenummer, doc_key) DO UPDATE SET msg_type = EXCLUDED.msg_type, patient = EXCLUDED.patient,
         state = EXCLUDED.state, current_msg_id = EXCLUDED.current_msg_id, version_count = EXCLUDED.version_count`,
      [knr, d.docKey, d.msgType, d.patient, d.state, d.currentMsgId, d.versionCount],
    );
  }

  async replaceFacts(knr: string, docKey: string, version: StoredVersion | undefined, retracted: boolean): Promise<void> {
    // One statement for the four deletes and one for the inserts: a projector spends its time in
    // round trips, not in PostgreSQL. (A single statement cannot do both: data-modifying CTEs see
    // the same snapshot, so an insert would collide with the row its sibling deletes.)
    await this.manager.query(
      `WITH s AS (DELETE FROM ${this.s}.service_facts WHERE kommunenummer = $1 AND doc_key = $2),
            n AS (DELETE FROM ${this.s}.service_need_facts WHERE kommunenummer = $1 AND doc_key = $2),
            d AS (DELETE FROM ${this.s}.diagnosis_facts WHERE kommunenummer = $1 AND doc_key = $2)
       DELETE FROM ${this.s}.patient_event_facts WHERE kommunenummer = $1 AND doc_key = $2`,
      [knr, docKey],
    );
    if (!version || !version.patient) return;
    const base = (i: number) => [knr, docKey, i, version.msgId, version.patient, version.msgType];
    const f = version.facts;
    const inserts: Array<{ table: string; columns: string; rows: unknown[][] }> = [
      {
        table: 'service_facts',
        columns: 'kommunenummer, doc_key, ordinal, msg_id, patient, msg_type, iplos_code, iplos_text, description, private_service, provided_by, amount, unit, start_date, end_date, note, reported_at, sender_name, sender_her_ids, retracted',
        rows: f.services.map((x, i) => [...base(i), x.iplosCode, x.iplosText, x.description, x.privateService, x.providedBy, x.amount, x.unit, x.startDate, x.endDate, x.note, version.genDate, version.senderName, version.senderHerIds, retracted]),
      },
      {
        table: 'service_need_facts',
        columns: 'kommunenummer, doc_key, ordinal, msg_id, patient, msg_type, iplos_code, iplos_text, description, at_institution, amount_requested, unit, reported_at, sender_name, retracted',
        rows: f.serviceNeeds.map((x, i) => [...base(i), x.iplosCode, x.iplosText, x.description, x.atInstitution, x.amountRequested, x.unit, version.genDate, version.senderName, retracted]),
      },
      {
        table: 'diagnosis_facts',
        columns: 'kommunenummer, doc_key, ordinal, msg_id, patient, msg_type, code_system, code, normalized_code, display, text, is_main, start_date, end_date, context, code_system_mismatch, reported_at, sender_name, retracted',
        rows: f.diagnoses.map((x, i) => [...base(i), x.codeSystemOid, x.code, x.normalizedCode, x.display, x.text, x.isMain, x.startDate, x.endDate, x.context, x.codeSystemMismatch, version.genDate, version.senderName, retracted]),
      },
      {
        table: 'patient_event_facts',
        columns: 'kommunenummer, doc_key, ordinal, msg_id, patient, msg_type, kind, event_code, description, time, estimated, discharged_to, discharge_condition, reported_at, sender_name, retracted',
        rows: f.patientEvents.map((x, i) => [...base(i), x.kind, x.eventCode, x.description, x.time, x.estimated, x.dischargedTo, x.dischargeCondition, version.genDate, version.senderName, retracted]),
      },
    ].filter((i) => i.rows.length > 0);
    if (inserts.length === 0) return;
    const params: unknown[] = [];
    const statements = inserts.map((i) => {
      const values = multiRowValues(i.rows, params.length + 1);
      params.push(...values.params);
      return `INSERT INTO ${this.s}.${i.table} (${i.columns}) VALUES ${values.sql}`;
    });
    const [last, ...others] = statements.reverse();
    const sql = others.length ? `WITH ${others.map((st, n) => `i${n} AS (${st})`).join(', ')} ${last}` : last;
    await this.manager.query(sql, params);
  }

  async upsertPatient(knr: string, p: NonNullable<DocumentEvent['patient']>, genDate: string): Promise<void> {
    // Demographics follow the newest message by GenDate, so arrival order does not matter.
    await this.manager.query(
      `INSERT INTO ${this.s}.patients (kommunenummer, pseudonym, family_name, given_name, birth_date, sex, identifier_types, last_gen_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (kommunenummer, pseudonym) DO UPDATE SET
         family_name = COALESCE(CASE WHEN EXCLUDED.last_gen_date >= patients.last_gen_date THEN EXCLUDED.family_name END, patients.family_name),
         given_name = COALESCE(CASE WHEN EXCLUDED.last_gen_date >= patients.last_gen_date THEN EXCLUDED.given_name END, patients.given_name),
         birth_date = COALESCE(patients.birth_date, EXCLUDED.birth_date),
         sex = COALESCE(patients.sex, EXCLUDED.sex),
         identifier_types = ARRAY(SELECT DISTINCT unnest(patients.identifier_types || EXCLUDED.identifier_types) ORDER BY 1),
         last_gen_date = GREATEST(patients.last_gen_date, EXCLUDED.last_gen_date)`,
      [knr, p.pseudonym, p.familyName, p.givenName, p.birthDate, p.sex, p.identifierTypes, genDate],
    );
    const links = p.linkedPseudonyms.filter((l) => l !== p.pseudonym);
    if (links.length === 0) return;
    const rows = links.flatMap((l) => [[knr, p.pseudonym, l], [knr, l, p.pseudonym]]);
    const values = multiRowValues(rows);
    await this.manager.query(`INSERT INTO ${this.s}.patient_links (kommunenummer, pseudonym, linked) VALUES ${values.sql} ON CONFLICT DO NOTHING`, values.params);
  }

  async saveOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    await this.manager.query(
      `INSERT INTO ${this.s}.projection_offsets (topic, partition, next_offset) VALUES ($1,$2,$3)
       ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
      [topic, partition, nextOffset],
    );
  }

}

const VERSION_COLUMNS =
  'msg_id, event_type, msg_type, status, ref_to_parent, doc_key, chain_depth, patient, gen_date, sender_name, sender_her_ids, facts';

interface VersionRow {
  msg_id: string;
  event_type: string;
  msg_type: string;
  status: string | null;
  ref_to_parent: string | null;
  doc_key: string | null;
  chain_depth: number | null;
  patient: string | null;
  gen_date: string;
  sender_name: string | null;
  sender_her_ids: string[];
  facts: StoredVersion['facts'];
}

function toVersion(row: VersionRow): StoredVersion {
  return {
    msgId: row.msg_id,
    eventType: row.event_type,
    msgType: row.msg_type,
    status: row.status,
    refToParent: row.ref_to_parent,
    docKey: row.doc_key,
    chainDepth: row.chain_depth,
    patient: row.patient,
    genDate: row.gen_date,
    senderName: row.sender_name,
    senderHerIds: row.sender_her_ids,
    facts: row.facts,
  };
}
