import { connected } from './data-source-ready.util';
import type { DataSource } from 'typeorm';
import { FACT_SECTIONS, type FactSection, type PatientRecordRows } from '@hub/projections';
import { blockedAmongSql } from './audit-log.repository';
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
    const rows: Array<{ pseudonym: string }> = await (await connected(this.dataSource)).query(
      `WITH RECURSIVE ${identityClosure(`"${schema}"`, 'unnest($2::text[])')} SELECT pseudonym FROM closure`,
      [knr, pseudonyms],
    );
    return rows.map((r) => r.pseudonym).sort();
  }

  /**
   * Everything one patient read needs, in one statement and one round trip: the live generation,
   * the linked identity group of `pseudonym`, whether any identity in it is blocked, and (only
   * when the group is not blocked and `schema` is still the live generation) the patient's rows.
   * One statement sees one snapshot, so the rows, the block state and the generation agree.
   *
   * The schema must be interpolated (identifiers cannot be parameters), so the caller passes the
   * generation it believes is live; `activeSchema` tells it whether that was right. When it was
   * not (a rebuild switched), `rows` is undefined and the caller asks again with the new one.
   * A blocked group's clinical rows are never read (the CASE branch does not run).
   *
   * `sections`: the fact row sets to read (default all); the others come back empty, unread. A
   * FHIR search needs one or two of the four, and each costs PostgreSQL about as much as the rest
   * of the statement. The patients and messages rows always come (whether the patient is known,
   * and when each source message was received, depend on them).
   */
  async patientSnapshot(schema: string, projection: string, knr: string, pseudonym: string, sections: readonly FactSection[] = FACT_SECTIONS): Promise<PatientSnapshot> {
    assertSchemaName(schema);
    const s = `"${schema}"`;
    const wanted = FACT_SECTIONS.filter((section) => sections.includes(section));
    // Each row set is looked up per member of the identity group (a LATERAL subquery kept apart by
    // OFFSET 0): the group comes from the recursive CTE, so the planner cannot know it has one or
    // two members, and with `patient = ANY(group)` it chose sequential scans on small tables. Per
    // member, `patient = g.p` is planned as an index scan on (kommunenummer, patient).
    const perMember = (select: string, order: string) =>
      `(SELECT coalesce(json_agg(t ORDER BY ${order}), '[]') FROM unnest(grp.pseudonyms) g(p) CROSS JOIN LATERAL (${select} OFFSET 0) t)`;
    const facts = (section: FactSection, table: string, order: string) =>
      wanted.includes(section) ? perMember(`SELECT * FROM ${s}.${table} f WHERE f.kommunenummer = $1 AND f.patient = g.p`, order) : `'[]'::json`;
    const rows: SnapshotSql[] = await this.prepared(
      // One prepared statement per generation and set of sections (at most 16 per generation), named
      // by a letter per section: PostgreSQL keeps only a name's first 63 bytes.
      `patient-snapshot-${schema}${wanted.length === FACT_SECTIONS.length ? '' : `-${wanted.map((section) => SECTION_LETTER[section]).join('') || '0'}`}`,
      `WITH RECURSIVE ${identityClosure(s, '$2::text')},
       grp AS (SELECT array_agg(pseudonym) AS pseudonyms FROM closure),
       state AS (
         SELECT (SELECT active_schema FROM projection_generations WHERE projection = $3) AS active_schema,
                EXISTS (SELECT 1 FROM patient_blocks b, grp WHERE ${blockedAmongSql('b', '$1', 'grp.pseudonyms')}) AS blocked
       )
       SELECT state.active_schema, state.blocked, grp.pseudonyms,
              CASE WHEN state.blocked OR state.active_schema IS DISTINCT FROM $4 THEN NULL ELSE json_build_object(
                'patients', ${perMember(
                  `SELECT pseudonym, family_name, given_name, birth_date, sex, identifier_types FROM ${s}.patients WHERE kommunenummer = $1 AND pseudonym = g.p`,
                  't.pseudonym',
                )},
                'services', ${facts('services', 'service_facts', 't.reported_at, t.doc_key, t.ordinal')},
                'serviceNeeds', ${facts('serviceNeeds', 'service_need_facts', 't.reported_at, t.doc_key, t.ordinal')},
                'diagnoses', ${facts('diagnoses', 'diagnosis_facts', 't.reported_at, t.doc_key, t.ordinal')},
                'events', ${facts('events', 'patient_event_facts', 'coalesce(t.time, t.reported_at), t.doc_key, t.ordinal')},
                'messages', ${perMember(
                  `SELECT v.msg_id, v.msg_type, v.standard, v.standard_version, v.status, v.gen_date, v.recorded_at, v.sender_name, v.doc_key,
                          v.event_type, d.state AS document_state
                     FROM ${s}.message_versions v LEFT JOIN ${s}.documents d ON d.kommunenummer = v.kommunenummer AND d.doc_key = v.doc_key
                    WHERE v.kommunenummer = $1 AND v.patient = g.p`,
                  't.gen_date, t.msg_id',
                )}
              ) END AS record
         FROM state, grp`,
      [knr, pseudonym, projection, schema],
    );
    const row = rows[0];
    const record = row.record ?? undefined;
    if (record) for (const m of record.messages) m.recorded_at = new Date(m.recorded_at);
    return { activeSchema: row.active_schema, pseudonyms: row.pseudonyms.slice().sort(), blocked: row.blocked, rows: record };
  }

  /**
   * Which of `msgIds` generation `schema` holds for kommune `knr`, beside the live generation
   * when the statement ran (as patientSnapshot: `held` counts only when `schema` was live). One
   * primary-key probe per id; no clinical column is read.
   */
  async messagesHeld(schema: string, projection: string, knr: string, msgIds: readonly string[]): Promise<{ activeSchema: string | null; held: string[] }> {
    assertSchemaName(schema);
    const rows: Array<{ active_schema: string | null; held: string[] }> = await this.prepared(
      `messages-held-${schema}`,
      `SELECT (SELECT active_schema FROM projection_generations WHERE projection = $3) AS active_schema,
              ARRAY(SELECT v.msg_id FROM "${schema}".message_versions v WHERE v.kommunenummer = $1 AND v.msg_id = ANY($2::text[])) AS held`,
      [knr, [...msgIds], projection],
    );
    return { activeSchema: rows[0].active_schema, held: rows[0].held };
  }

  /**
   * A named prepared statement on the pool's connections: PostgreSQL then plans the statement
   * once per connection instead of on every read (planning the snapshot statement cost more
   * database CPU than running it). TypeORM's `query` cannot name statements, so this goes to
   * the pg pool under the DataSource; anything else (a DataSource of another driver, a test
   * double) gets a plain query. The name must be unique per text: it carries the schema.
   */
  private async prepared<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const pool = ((await connected(this.dataSource)).driver as { master?: { query?: unknown } } | undefined)?.master;
    if (pool && typeof pool.query === 'function') {
      const result = await (pool as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> }).query({ name, text, values });
      return result.rows;
    }
    return (await connected(this.dataSource)).query(text, values);
  }
}

/**
 * `closure(pseudonym)`: the pseudonyms `seed` yields and every pseudonym linked to them, through
 * any number of links, in kommune $1 (FNR + HNR given together make one person). A CTE of a
 * `WITH RECURSIVE`; `s` is the quoted generation schema.
 */
function identityClosure(s: string, seed: string): string {
  return `closure(pseudonym) AS (
         SELECT ${seed}
         UNION
         SELECT l.linked FROM ${s}.patient_links l JOIN closure c ON l.pseudonym = c.pseudonym WHERE l.kommunenummer = $1
       )`;
}

/** The fact sections in a prepared statement's name. */
const SECTION_LETTER: Record<FactSection, string> = { services: 's', serviceNeeds: 'n', diagnoses: 'd', events: 'e' };

/** One patient read's view of the read model (see `patientSnapshot`). */
export interface PatientSnapshot {
  /** The live generation when the statement ran (null when the projection has none). */
  activeSchema: string | null;
  /** The patient's linked identity group (always contains the pseudonym asked for). */
  pseudonyms: string[];
  /** Some identity in the group is blocked (sperring): `rows` is then undefined. */
  blocked: boolean;
  /** The rows, unless blocked or the schema asked for was not the live one. */
  rows?: PatientRecordRows;
}

interface SnapshotSql {
  active_schema: string | null;
  blocked: boolean;
  pseudonyms: string[];
  record: (Omit<PatientRecordRows, 'messages'> & { messages: Array<PatientRecordRows['messages'][number] & { recorded_at: Date | string }> }) | null;
}
