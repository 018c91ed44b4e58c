/**
 * DDL of one generation of the clinical read model. Every generation lives in its own
 * PostgreSQL schema (`readmodel_g<N>`), so a rebuild can fill a new generation from offset
 * zero beside the live one and switch by updating one pointer row (see projection-state).
 * The projector's offsets live in the same schema as the rows they produced, so rows and
 * offsets commit in one transaction.
 */
export const READ_MODEL_PROJECTION = 'readmodel';

export function readModelDdl(schema: string): string[] {
  return [...readModelFillDdl(schema), ...readModelReadIndexDdl(schema)];
}

/**
 * A generation as a rebuild fills it: the tables, the indexes the projector itself looks rows up
 * by (primary keys, a version's parent and its document), and the fact views. The indexes only
 * reads use come once the rows are in (readModelReadIndexDdl), before the generation goes live:
 * built once over the filled table instead of kept up to date row by row (issue #16).
 */
export function readModelFillDdl(schema: string): string[] {
  assertSchemaName(schema);
  const s = `"${schema}"`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE ${s}.projection_offsets (
       topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now(), topic_id text, PRIMARY KEY (topic, partition))`,
    `CREATE TABLE ${s}.message_versions (
       kommunenummer char(4) NOT NULL, msg_id text NOT NULL, event_id uuid NOT NULL, event_type text NOT NULL,
       msg_type text NOT NULL, standard text NOT NULL, standard_version text NOT NULL, status text,
       explicit_doc_id text, ref_to_parent text, ref_to_conversation text,
       doc_key text, chain_depth int, patient text, gen_date text NOT NULL,
       recorded_at timestamptz NOT NULL, sender_her_ids text[] NOT NULL, sender_name text,
       facts jsonb NOT NULL, source_topic text NOT NULL, source_partition int NOT NULL, source_offset bigint NOT NULL,
       PRIMARY KEY (kommunenummer, msg_id))`,
    // The projector finds a version's waiting children and a document's versions through these.
    `CREATE INDEX ON ${s}.message_versions (kommunenummer, ref_to_parent) WHERE doc_key IS NULL`,
    `CREATE INDEX ON ${s}.message_versions (kommunenummer, doc_key)`,
    `CREATE TABLE ${s}.documents (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, msg_type text NOT NULL, patient text,
       state text NOT NULL, current_msg_id text, version_count int NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key))`,
    `CREATE TABLE ${s}.patients (
       kommunenummer char(4) NOT NULL, pseudonym text NOT NULL, family_name text, given_name text,
       birth_date text, sex text, identifier_types text[] NOT NULL DEFAULT '{}', last_gen_date text,
       names_gen_date text,
       PRIMARY KEY (kommunenummer, pseudonym))`,
    `CREATE TABLE ${s}.patient_links (
       kommunenummer char(4) NOT NULL, pseudonym text NOT NULL, linked text NOT NULL,
       PRIMARY KEY (kommunenummer, pseudonym, linked))`,
    ...readModelFactViewDdl(schema),
  ];
}

/**
 * The indexes only reads use: a patient's versions, and a patient's documents (the fact views
 * join through them). Named as PostgreSQL names them unasked, so a generation made either way has
 * the same indexes; IF NOT EXISTS, so a resumed rebuild may run them again.
 */
export function readModelReadIndexDdl(schema: string): string[] {
  assertSchemaName(schema);
  const s = `"${schema}"`;
  return [
    `CREATE INDEX IF NOT EXISTS message_versions_kommunenummer_patient_idx ON ${s}.message_versions (kommunenummer, patient)`,
    `CREATE INDEX IF NOT EXISTS documents_kommunenummer_patient_idx ON ${s}.documents (kommunenummer, patient)`,
  ];
}

/**
 * The fact views: each document's facts are its current version's `facts` (the jsonb the version
 * row carries), one row per element, retracted when the document is cancelled. The projector
 * keeps `documents.current_msg_id` and `state`, so nothing else is written for facts: a fact is
 * stored once, in its version, and a rebuild writes about half the rows it wrote when the fact
 * rows were tables (bench/RESULTS.md, session 12). The views have the columns the tables had, in
 * their order, so reads (`patientSnapshot`) select from them unchanged; a patient's rows are
 * found through documents (kommunenummer, patient). Only projectable versions have facts: with a
 * patient, and neither NOT_PROJECTED nor an AppRec (ReadModelProjector.recompute).
 */
export function readModelFactViewDdl(schema: string): string[] {
  assertSchemaName(schema);
  const s = `"${schema}"`;
  return FACT_VIEWS.map(({ view, key, fields, senderHerIds }) => {
    const names = fields.map(([, field]) => `"${field}"`);
    return `CREATE VIEW ${s}.${view} AS
       SELECT d.kommunenummer, d.doc_key, (f.n - 1)::int AS ordinal, v.msg_id, d.patient, v.msg_type,
              ${fields.map(([column, field]) => `f."${field}" AS ${column}`).join(', ')},
              v.gen_date AS reported_at, v.sender_name,${senderHerIds ? ' v.sender_her_ids,' : ''} d.state = 'CANCELLED' AS retracted
         FROM ${s}.documents d
         JOIN ${s}.message_versions v ON v.kommunenummer = d.kommunenummer AND v.msg_id = d.current_msg_id
         CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset(v.facts->'${key}') AS (${fields.map(([, field, type]) => `"${field}" ${type}`).join(', ')}))
              WITH ORDINALITY AS f(${names.join(', ')}, n)
        WHERE v.patient IS NOT NULL AND v.event_type NOT IN ('NOT_PROJECTED', 'APPREC_RECEIVED')`;
  });
}

/** The fact views' names, as the fact tables were named. */
export const READ_MODEL_FACT_VIEWS = ['service_facts', 'service_need_facts', 'diagnosis_facts', 'patient_event_facts'] as const;

/**
 * Each view's columns and the field of the version's facts (camelCase, as DocumentEvent has them)
 * each is read from, with its SQL type.
 */
const FACT_VIEWS: Array<{ view: (typeof READ_MODEL_FACT_VIEWS)[number]; key: string; fields: Array<[column: string, field: string, type: 'text' | 'boolean']>; senderHerIds?: true }> = [
  {
    view: 'service_facts',
    key: 'services',
    fields: [
      ['iplos_code', 'iplosCode', 'text'], ['iplos_text', 'iplosText', 'text'], ['description', 'description', 'text'],
      ['private_service', 'privateService', 'boolean'], ['provided_by', 'providedBy', 'text'], ['amount', 'amount', 'text'], ['unit', 'unit', 'text'],
      ['start_date', 'startDate', 'text'], ['end_date', 'endDate', 'text'], ['note', 'note', 'text'],
    ],
    senderHerIds: true,
  },
  {
    view: 'service_need_facts',
    key: 'serviceNeeds',
    fields: [
      ['iplos_code', 'iplosCode', 'text'], ['iplos_text', 'iplosText', 'text'], ['description', 'description', 'text'],
      ['at_institution', 'atInstitution', 'text'], ['amount_requested', 'amountRequested', 'text'], ['unit', 'unit', 'text'],
    ],
  },
  {
    view: 'diagnosis_facts',
    key: 'diagnoses',
    fields: [
      ['code_system', 'codeSystemOid', 'text'], ['code', 'code', 'text'], ['normalized_code', 'normalizedCode', 'text'], ['display', 'display', 'text'],
      ['text', 'text', 'text'], ['is_main', 'isMain', 'text'], ['start_date', 'startDate', 'text'], ['end_date', 'endDate', 'text'],
      ['context', 'context', 'text'], ['code_system_mismatch', 'codeSystemMismatch', 'boolean'],
    ],
  },
  {
    view: 'patient_event_facts',
    key: 'patientEvents',
    fields: [
      ['kind', 'kind', 'text'], ['event_code', 'eventCode', 'text'], ['description', 'description', 'text'], ['time', 'time', 'text'],
      ['estimated', 'estimated', 'boolean'], ['discharged_to', 'dischargedTo', 'text'], ['discharge_condition', 'dischargeCondition', 'text'],
    ],
  },
];

export function readModelSchemaName(generation: number): string {
  return `readmodel_g${generation}`;
}

export function assertSchemaName(schema: string): void {
  // Schema names are interpolated into SQL (identifiers cannot be bound parameters).
  if (!/^readmodel_g\d+$/.test(schema)) throw new Error(`Invalid read model schema '${schema}'`);
}
