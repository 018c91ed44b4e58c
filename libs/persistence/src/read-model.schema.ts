/**
 * DDL of one generation of the clinical read model. Every generation lives in its own
 * PostgreSQL schema (`readmodel_g<N>`), so a rebuild can fill a new generation from offset
 * zero beside the live one and switch by updating one pointer row (see projection-state).
 * The projector's offsets live in the same schema as the rows they produced, so rows and
 * offsets commit in one transaction.
 */
export const READ_MODEL_PROJECTION = 'readmodel';

export function readModelDdl(schema: string): string[] {
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
    `CREATE INDEX ON ${s}.message_versions (kommunenummer, ref_to_parent) WHERE doc_key IS NULL`,
    `CREATE INDEX ON ${s}.message_versions (kommunenummer, doc_key)`,
    `CREATE INDEX ON ${s}.message_versions (kommunenummer, patient)`,
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
    `CREATE TABLE ${s}.service_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, iplos_code text, iplos_text text, description text,
       private_service boolean, provided_by text, amount text, unit text, start_date text, end_date text, note text,
       reported_at text NOT NULL, sender_name text, sender_her_ids text[] NOT NULL, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.service_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.service_need_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, iplos_code text, iplos_text text, description text,
       at_institution text, amount_requested text, unit text, reported_at text NOT NULL, sender_name text, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.service_need_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.diagnosis_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, code_system text, code text, normalized_code text,
       display text, text text, is_main text NOT NULL, start_date text, end_date text, context text NOT NULL,
       code_system_mismatch boolean NOT NULL, reported_at text NOT NULL, sender_name text, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.diagnosis_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.patient_event_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, kind text NOT NULL, event_code text, description text,
       time text, estimated boolean, discharged_to text, discharge_condition text, reported_at text NOT NULL,
       sender_name text, retracted boolean NOT NULL, PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.patient_event_facts (kommunenummer, patient)`,
  ];
}

export function readModelSchemaName(generation: number): string {
  return `readmodel_g${generation}`;
}

export function assertSchemaName(schema: string): void {
  // Schema names are interpolated into SQL (identifiers cannot be bound parameters).
  if (!/^readmodel_g\d+$/.test(schema)) throw new Error(`Invalid read model schema '${schema}'`);
}
