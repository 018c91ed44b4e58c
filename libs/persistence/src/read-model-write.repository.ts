import type { EntityManager } from 'typeorm';
import { assertStoredOffsetsWritten, generationOffsets, storedOffsetsUpsert } from './stored-offsets.util';
import type { DocumentEvent } from '@hub/contracts';
import { demographicsOf, DocumentState, explicitDocumentKey, mergeDemographics, NewVersion, ownDocumentKey, PatientDemographics, ReadModelTx, StoredVersion } from '@hub/projections';
import { assertSchemaName } from './read-model.schema';

/**
 * PostgreSQL implementation of the projector's transaction port, set-based: it answers the
 * projector's reads from an in-memory overlay of this transaction (loaded in two queries per
 * batch by `prefetch`, and lazily on a miss) and holds every write until `flush`, which writes
 * the whole batch in at most six statements, however many events it holds. Facts are not
 * written apart: the fact views read them from each document's current version.
 *
 * Why: the projector is a per-event state machine (document-chain rules) and used to cost
 * 8–10 round trips per event; the round trips, not PostgreSQL's work, limited live projection
 * and rebuilds. The rules stay event by event in libs/projections; only the I/O is batched.
 *
 * Contract: use one instance per transaction (it may hold several kommuner's events), and call
 * `flush()` before the transaction commits; nothing is written before. Or, for a writer that
 * overlaps one batch's rules with the previous batch's commit (the rebuild), read through a
 * connection outside any transaction and end each batch with `handOver()` (see there). The
 * overlay is the truth for everything it has loaded: a load never overwrites an entry, and
 * writes only touch the overlay. That is safe because the caller holds the projection lock of
 * every kommune it writes for the whole transaction (see ProjectionStateRepository.lockKommuner),
 * or is the only writer of its generation (the rebuild), so nobody else writes these rows
 * meanwhile.
 *
 * The writes themselves: ReadModelWrites below.
 *
 * Raw SQL because the tables live in a per-generation schema (rebuilds fill a new schema beside
 * the live one), which TypeORM entities cannot express.
 */
export class ReadModelWriteRepository implements ReadModelTx {
  private readonly s: string;
  /** msgId → version, or null when known to be absent. Per kommune. */
  private readonly versions = new Map<string, Map<string, StoredVersion | null>>();
  /** Doc keys / parents whose stored members were loaded (then the overlay is complete for them). */
  private readonly loadedDocs = new Set<string>();
  private readonly loadedParents = new Set<string>();
  private readonly byDoc = new Map<string, Set<string>>();
  private readonly byParent = new Map<string, Set<string>>();

  /** The versions this batch upserted, whole (what versionRows writes); the overlay holds what the rules read. */
  private readonly upserted = new Map<string, { knr: string; version: NewVersion }>();
  private readonly placed = new Map<string, { knr: string; msgId: string }>();
  private readonly documents = new Map<string, { knr: string; state: DocumentState }>();
  /** Patient rows as stored (loaded) or as this batch leaves them (dirty); null: not stored. */
  private readonly patients = new Map<string, { knr: string; patient: PatientDemographics | null; dirty: boolean }>();
  private readonly links = new Map<string, [string, string, string]>();
  private readonly offsets = new Map<string, { topic: string; partition: number; nextOffset: string; topicId?: string }>();

  constructor(private readonly manager: EntityManager, private readonly schemaName: string) {
    assertSchemaName(schemaName);
    this.s = `"${schemaName}"`;
  }

  /**
   * Loads, in two queries for all the kommuner of the batch, what applying these events will
   * read: the versions they name (themselves and their parents), every version of the documents
   * they can join, the versions waiting for them, and their patients. Optional: without it every
   * first read of a key is a query of its own.
   */
  async prefetch(events: DocumentEvent[]): Promise<void> {
    const byKommune = new Map<string, DocumentEvent[]>();
    for (const e of events) {
      const group = byKommune.get(e.envelope.kommunenummer);
      if (group) group.push(e);
      else byKommune.set(e.envelope.kommunenummer, [e]);
    }
    const wanted = [...byKommune].map(([knr, group]) => this.keysToLoad(knr, group));
    const pairs = (pick: (w: KeysToLoad) => Set<string>) => unzip(wanted.flatMap((w) => [...pick(w)].map((key): [string, string] => [w.knr, key])));
    if (wanted.some((w) => w.msgIds.size + w.docKeys.size + w.parents.size > 0)) {
      // The named versions, every version of the documents the named ones belong to or the
      // events may start, and the versions parked waiting for one of the events, of every
      // kommune in the batch: one round trip, each part probing the index key by key (`byKeys`).
      const rows: KommuneVersionRow[] = await this.prepared(
        `rm-prefetch-${this.schemaName}`,
        `WITH named AS (${this.byKeys('msg_id', 'unnest($1::char(4)[], $2::text[])')})
         SELECT * FROM named
         UNION ALL ${this.byKeys('doc_key', '(SELECT * FROM unnest($3::char(4)[], $4::text[]) UNION ALL SELECT kommunenummer, doc_key FROM named WHERE doc_key IS NOT NULL)')}
         UNION ALL ${this.byKeys('ref_to_parent', 'unnest($5::char(4)[], $6::text[])', { parkedOnly: true })}`,
        [...pairs((w) => w.msgIds), ...pairs((w) => w.docKeys), ...pairs((w) => w.parents)],
      );
      for (const { knr, msgIds, docKeys, parents } of wanted) {
        const cache = this.cache(knr);
        const mine = rows.filter((r) => r.kommunenummer === knr);
        this.remember(knr, mine);
        const found = new Set(mine.map((r) => r.msg_id));
        for (const m of msgIds) if (!found.has(m) && !cache.has(m)) cache.set(m, null);
        for (const r of mine) if (r.doc_key && msgIds.has(r.msg_id)) this.loadedDocs.add(`${knr}|${r.doc_key}`);
        for (const k of docKeys) this.loadedDocs.add(`${knr}|${k}`);
        for (const p of parents) this.loadedParents.add(`${knr}|${p}`);
      }
    }
    await this.loadPatients(wanted.flatMap((w) => [...w.pseudonyms].map((p): [string, string] => [w.knr, p])));
  }

  /** What the overlay does not hold yet of what a kommune's events will read. */
  private keysToLoad(knr: string, events: DocumentEvent[]): KeysToLoad {
    const cache = this.cache(knr);
    const wanted: KeysToLoad = { knr, msgIds: new Set(), docKeys: new Set(), parents: new Set(), pseudonyms: new Set() };
    for (const e of events) {
      const d = e.document;
      for (const m of [d.msgId, d.refToParent]) if (m && !cache.has(m)) wanted.msgIds.add(m);
      // The documents the event can start or join by key (the projector's own key rules).
      for (const k of [ownDocumentKey(d.msgId), explicitDocumentKey(d)]) {
        if (k && !this.loadedDocs.has(`${knr}|${k}`)) wanted.docKeys.add(k);
      }
      if (!this.loadedParents.has(`${knr}|${d.msgId}`)) wanted.parents.add(d.msgId);
      if (e.patient) wanted.pseudonyms.add(e.patient.pseudonym);
    }
    for (const v of cache.values()) if (v?.docKey && !this.loadedDocs.has(`${knr}|${v.docKey}`)) wanted.docKeys.add(v.docKey);
    return wanted;
  }

  async upsertVersion(knr: string, v: NewVersion): Promise<{ docKey: string | null; chainDepth: number | null }> {
    const existing = await this.getVersion(knr, v.msgId);
    // As the stored row: a replay refreshes the content but never the version's place in its chain.
    const merged: StoredVersion = {
      msgId: v.msgId, eventType: v.eventType, msgType: v.msgType, status: v.status, patient: v.patient, genDate: v.genDate,
      refToParent: existing ? existing.refToParent : v.refToParent, docKey: existing?.docKey ?? null, chainDepth: existing?.chainDepth ?? null,
    };
    this.put(knr, merged);
    this.upserted.set(`${knr}|${v.msgId}`, { knr, version: v });
    return { docKey: merged.docKey, chainDepth: merged.chainDepth };
  }

  async getVersion(knr: string, msgId: string): Promise<StoredVersion | undefined> {
    const cache = this.cache(knr);
    if (!cache.has(msgId)) {
      await this.loadVersions(knr, 'msg_id', [msgId]);
      if (!cache.has(msgId)) cache.set(msgId, null);
    }
    return cache.get(msgId) ?? undefined;
  }

  async pendingChildren(knr: string, parentMsgId: string): Promise<StoredVersion[]> {
    const key = `${knr}|${parentMsgId}`;
    if (!this.loadedParents.has(key)) {
      await this.loadVersions(knr, 'ref_to_parent', [parentMsgId], { parkedOnly: true });
      this.loadedParents.add(key);
    }
    return this.members(knr, this.byParent.get(key)).filter((v) => v.docKey === null);
  }

  async setDocKey(knr: string, msgId: string, docKey: string, chainDepth: number): Promise<void> {
    const version = await this.getVersion(knr, msgId);
    if (!version) throw new Error(`setDocKey on a version that is not stored: ${msgId}`);
    this.put(knr, { ...version, docKey, chainDepth });
    this.placed.set(`${knr}|${msgId}`, { knr, msgId });
  }

  async versionsOfDocument(knr: string, docKey: string): Promise<StoredVersion[]> {
    const key = `${knr}|${docKey}`;
    if (!this.loadedDocs.has(key)) {
      await this.loadVersions(knr, 'doc_key', [docKey]);
      this.loadedDocs.add(key);
    }
    return this.members(knr, this.byDoc.get(key)).filter((v) => v.docKey === docKey);
  }

  async saveDocument(knr: string, state: DocumentState): Promise<void> {
    this.documents.set(`${knr}|${state.docKey}`, { knr, state: { ...state } });
  }

  /**
   * Nothing to write: a document's facts are read through the fact views from its current
   * version (read-model.schema.ts, readModelFactViewDdl), and the document row this batch saves
   * names that version and whether it is cancelled.
   */
  async replaceFacts(): Promise<void> {
    return undefined;
  }

  async upsertPatient(knr: string, p: NonNullable<DocumentEvent['patient']>, genDate: string): Promise<void> {
    const key = `${knr}|${p.pseudonym}`;
    const next = demographicsOf(p, genDate);
    if (!this.patients.has(key)) await this.loadPatients([[knr, p.pseudonym]]);
    const before = this.patients.get(key)?.patient ?? null;
    this.patients.set(key, { knr, patient: before ? mergeDemographics(before, next) : next, dirty: true });
    for (const linked of p.linkedPseudonyms) {
      if (linked === p.pseudonym) continue;
      this.links.set(`${knr}|${p.pseudonym}|${linked}`, [knr, p.pseudonym, linked]);
      this.links.set(`${knr}|${linked}|${p.pseudonym}`, [knr, linked, p.pseudonym]);
    }
  }

  async saveOffset(topic: string, partition: number, nextOffset: string, topicId?: string): Promise<void> {
    this.offsets.set(`${topic}|${partition}`, { topic, partition, nextOffset, topicId });
  }

  /** Writes everything this batch changed. Call once, inside the transaction, before it commits. */
  async flush(): Promise<void> {
    await this.writes().writeTo(this.manager);
  }

  /**
   * Ends this overlay's batch for a writer that pipelines its batches (the rebuild): returns the
   * batch's writes, built now, to be written in a transaction of the caller's choosing, and the
   * overlay for the next batch, whose rules may then run before these writes have committed.
   *
   * The next overlay knows what this batch wrote: every version it wrote, with all versions of
   * their documents and those documents marked loaded, and the patients it wrote. Everything else
   * it reads from the database, which holds the rest as it will be after these writes, as long as
   * (1) these writes commit before the next overlay's own, (2) the next batch's reads start only
   * after the batch before this one has committed, and (3) nobody else writes these kommuner
   * meanwhile (the rebuild is its generation's only writer until its switch). If these writes
   * fail, the next overlay is wrong too: drop it and start again from the stored offsets.
   */
  handOver(): { writes: ReadModelWrites; next: ReadModelWriteRepository } {
    const writes = this.writes();
    const next = new ReadModelWriteRepository(this.manager, this.schemaName);
    const docs = new Set<string>();
    // Versions are replaced in the overlay, never changed, so the next overlay shares them.
    const carry = (knr: string, msgId: string) => {
      const v = this.cache(knr).get(msgId)!;
      next.put(knr, v);
      if (v.docKey) docs.add(`${knr}|${v.docKey}`);
    };
    for (const { knr, version } of this.upserted.values()) carry(knr, version.msgId);
    for (const { knr, msgId } of this.placed.values()) carry(knr, msgId);
    for (const key of docs) {
      const knr = key.slice(0, key.indexOf('|'));
      // Loaded here (recompute reads every document it writes), so complete as this batch leaves it.
      if (!this.loadedDocs.has(key)) continue;
      for (const v of this.members(knr, this.byDoc.get(key))) if (!next.cache(knr).has(v.msgId)) next.put(knr, v);
      next.loadedDocs.add(key);
    }
    for (const [key, p] of this.patients) if (p.dirty) next.patients.set(key, { knr: p.knr, patient: p.patient, dirty: false });
    return { writes, next };
  }

  /** This batch's rows, built now: later changes to the overlay do not change them. */
  private writes(): ReadModelWrites {
    return new ReadModelWrites(this.schemaName, {
      versions: this.versionRows(), placements: this.placementRows(), documents: this.documentRows(), patients: this.patientRows(),
      links: this.linkRows(), offsets: [...this.offsets.values()],
    });
  }

  // --- overlay -------------------------------------------------------------------------------

  private cache(knr: string): Map<string, StoredVersion | null> {
    let cache = this.versions.get(knr);
    if (!cache) this.versions.set(knr, (cache = new Map()));
    return cache;
  }

  private put(knr: string, version: StoredVersion): void {
    this.cache(knr).set(version.msgId, version);
    if (version.docKey) index(this.byDoc, `${knr}|${version.docKey}`, version.msgId);
    if (version.refToParent) index(this.byParent, `${knr}|${version.refToParent}`, version.msgId);
  }

  private members(knr: string, msgIds: Set<string> | undefined): StoredVersion[] {
    const cache = this.cache(knr);
    return [...(msgIds ?? [])].map((m) => cache.get(m)).filter((v): v is StoredVersion => Boolean(v));
  }

  /** Loads stored versions into the overlay; entries already there (maybe changed) are kept. */
  private async loadVersions(knr: string, column: KeyColumn, keys: string[], options: { parkedOnly?: boolean } = {}): Promise<void> {
    if (keys.length === 0) return;
    const rows: VersionRow[] = await this.manager.query(this.byKeys(column, 'unnest($1::char(4)[], $2::text[])', options), unzip(keys.map((key) => [knr, key])));
    this.remember(knr, rows);
  }

  /**
   * The versions whose (kommune, `column`) is one of `pairs` (an SQL FROM item of (kommune
   * char(4), key text) rows), or only those still parked (no document yet): one index probe per
   * distinct pair (LATERAL, with OFFSET 0 so the planner keeps it a probe), so a batch costs the
   * same however long the kommune's history. Written as `column = ANY(keys)`, and for document
   * keys as `doc_key = ANY(...) OR doc_key IN (SELECT ...)`, PostgreSQL read every version (or
   * every parked version) of the kommune and filtered them, when it lacked statistics (a new
   * generation has none until autovacuum runs) and for the OR form even with them (EXPLAIN
   * ANALYZE); changes whose original never reached the hub stay parked for good. The kommune
   * is char(4) like the column, so the comparison stays an index condition.
   */
  private byKeys(column: KeyColumn, pairs: string, options: { parkedOnly?: boolean } = {}): string {
    return this.probe('message_versions', VERSION_COLUMNS, column, pairs, options.parkedOnly ? ' AND doc_key IS NULL' : '');
  }

  /**
   * The rows of `table` (with their kommunenummer and `columns`) whose (kommune, `column`) is one
   * of `pairs`, one index probe per distinct pair: the shape `byKeys` explains, for every lookup
   * the overlay makes. `also`: a further condition on the table's rows.
   */
  private probe(table: string, columns: string, column: string, pairs: string, also = ''): string {
    return `SELECT v.* FROM (SELECT DISTINCT * FROM ${pairs} AS p(knr, key)) AS k CROSS JOIN LATERAL (
      SELECT kommunenummer, ${columns} FROM ${this.s}.${table}
       WHERE kommunenummer = k.knr AND ${column} = k.key${also} OFFSET 0) AS v`;
  }

  private remember(knr: string, rows: VersionRow[]): void {
    const cache = this.cache(knr);
    for (const row of rows) {
      if (!cache.get(row.msg_id)) this.put(knr, toVersion(row));
    }
  }

  /**
   * A statement prepared by name on the transaction's own connection: PostgreSQL plans it once per
   * connection and generation (the name carries the schema, the text is fixed) instead of on every
   * batch. A live batch of one event spent 0.46 ms planning the versions' prefetch against 0.18 ms
   * running it (bench/RESULTS.md, session 24); its generic plan is the same index probes. TypeORM's
   * `query` cannot name statements, so this goes to the pg client under the transaction's query
   * runner; any other manager (a test double, another driver) gets a plain query.
   */
  private async prepared<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const client = (this.manager.queryRunner as { databaseConnection?: { query?: unknown } } | undefined)?.databaseConnection;
    if (client && typeof client.query === 'function') {
      return (await (client as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> }).query({ name, text, values })).rows;
    }
    return this.manager.query(text, values);
  }

  /** Loads the stored rows of these (kommune, pseudonym) patients the overlay lacks, in one statement. */
  private async loadPatients(wanted: Array<[string, string]>): Promise<void> {
    const missing = new Map<string, [string, string]>();
    for (const [knr, p] of wanted) if (!this.patients.has(`${knr}|${p}`)) missing.set(`${knr}|${p}`, [knr, p]);
    if (missing.size === 0) return;
    const rows: Array<Record<string, string | string[] | null>> = await this.prepared(
      `rm-patients-${this.schemaName}`,
      this.probe('patients', PATIENT_COLUMNS, 'pseudonym', 'unnest($1::char(4)[], $2::text[])'),
      unzip([...missing.values()]),
    );
    for (const [key, [knr]] of missing) this.patients.set(key, { knr, patient: null, dirty: false });
    for (const r of rows) {
      const knr = r.kommunenummer as string;
      this.patients.set(`${knr}|${r.pseudonym}`, {
        knr,
        dirty: false,
        patient: {
          pseudonym: r.pseudonym as string, familyName: r.family_name as string | null, givenName: r.given_name as string | null,
          namesGenDate: r.names_gen_date as string | null, birthDate: r.birth_date as string | null, sex: r.sex as string | null, identifierTypes: r.identifier_types as string[],
          lastGenDate: r.last_gen_date as string | null,
        },
      });
    }
  }

  // --- the batch's rows ----------------------------------------------------------------------

  /**
   * The batch's versions as two JSON arrays in the same order (ReadModelWrites pairs them): their
   * columns, and their facts. Why apart: inside the columns' array each facts document was a JSON
   * string, which Node escaped and PostgreSQL unescaped before parsing it again (as a nested
   * object PostgreSQL parses it twice, as json and as jsonb); an array of its own is written by
   * one JSON.stringify and parsed once, straight into jsonb.
   */
  private versionRows(): { columns: string; facts: string } | null {
    if (this.upserted.size === 0) return null;
    const facts: NewVersion['facts'][] = [];
    const rows = [...this.upserted.values()].map(({ knr, version: f }) => {
      const v = this.cache(knr).get(f.msgId)!;
      facts.push(f.facts);
      return {
        kommunenummer: knr, msg_id: f.msgId, event_id: f.eventId, event_type: f.eventType, msg_type: f.msgType, standard: f.standard,
        standard_version: f.standardVersion, status: f.status, explicit_doc_id: f.explicitDocId, ref_to_parent: f.refToParent,
        ref_to_conversation: f.refToConversation, doc_key: v.docKey, chain_depth: v.chainDepth, patient: f.patient, gen_date: f.genDate,
        recorded_at: f.recordedAt, sender_her_ids: f.senderHerIds, sender_name: f.senderName,
        source_topic: f.source.topic, source_partition: f.source.partition, source_offset: f.source.offset,
      };
    });
    return { columns: JSON.stringify(rows), facts: JSON.stringify(facts) };
  }

  /** Versions stored before this batch that this batch placed in a document (adopted children). */
  private placementRows(): string | null {
    const rows = [...this.placed.entries()]
      .filter(([key]) => !this.upserted.has(key))
      .map(([, { knr, msgId }]) => {
        const v = this.cache(knr).get(msgId)!;
        return { kommunenummer: knr, msg_id: msgId, doc_key: v.docKey, chain_depth: v.chainDepth };
      });
    return rows.length === 0 ? null : JSON.stringify(rows);
  }

  private documentRows(): string | null {
    if (this.documents.size === 0) return null;
    return JSON.stringify(
      [...this.documents.values()].map(({ knr, state: d }) => ({
        kommunenummer: knr, doc_key: d.docKey, msg_type: d.msgType, patient: d.patient, state: d.state,
        current_msg_id: d.currentMsgId, version_count: d.versionCount,
      })),
    );
  }

  private patientRows(): string | null {
    const rows = [...this.patients.values()]
      .filter((p) => p.dirty && p.patient)
      .map(({ knr, patient: p }) => ({
        kommunenummer: knr, pseudonym: p!.pseudonym, family_name: p!.familyName, given_name: p!.givenName, names_gen_date: p!.namesGenDate,
        birth_date: p!.birthDate, sex: p!.sex, identifier_types: p!.identifierTypes, last_gen_date: p!.lastGenDate,
      }));
    return rows.length === 0 ? null : JSON.stringify(rows);
  }

  private linkRows(): string | null {
    if (this.links.size === 0) return null;
    return JSON.stringify([...this.links.values()].map(([kommunenummer, pseudonym, linked]) => ({ kommunenummer, pseudonym, linked })));
  }
}

/**
 * One batch's writes to a generation, as built by ReadModelWriteRepository: at most six
 * statements, each with its rows as one JSON parameter (json_to_recordset), so a batch of any
 * size stays within PostgreSQL's parameter limit and needs no per-row SQL text.
 */
export class ReadModelWrites {
  private readonly s: string;

  /** Each table's rows as one JSON array (the versions' facts apart, see versionRows), or null when the batch has none for it. */
  constructor(
    private readonly schemaName: string,
    private readonly rows: {
      versions: { columns: string; facts: string } | null; placements: string | null; documents: string | null; patients: string | null; links: string | null;
      offsets: Array<{ topic: string; partition: number; nextOffset: string; topicId?: string }>;
    },
  ) {
    this.s = `"${schemaName}"`;
  }

  /**
   * Writes them in the caller's transaction, which must hold the kommuner's writes to itself:
   * the versions, documents, patients, links and offsets in one statement (one data-modifying
   * CTE per table; no table is written twice and none reads another's rows), then, when chains
   * were resolved, the placements of versions stored before (an UPDATE of rows the statement
   * may have written: PostgreSQL allows a row one change per statement). One round trip instead
   * of five: a live batch is a dozen sequential round trips, which decide how long a message
   * waits in the projector (bench/RESULTS.md, session 24).
   */
  async writeTo(manager: EntityManager): Promise<void> {
    const params: string[] = [];
    const param = (value: string) => `$${params.push(value)}`;
    const parts: string[] = [];
    // On a replay the stored chain position, parent reference and first source stay as they are.
    if (this.rows.versions) {
      const facts = param(this.rows.versions.facts);
      const columns = param(this.rows.versions.columns);
      parts.push(`versions AS (INSERT INTO ${this.s}.message_versions (kommunenummer, msg_id, event_id, event_type, msg_type, standard, standard_version,
           status, explicit_doc_id, ref_to_parent, ref_to_conversation, doc_key, chain_depth, patient, gen_date, recorded_at,
           sender_her_ids, sender_name, facts, source_topic, source_partition, source_offset)
         SELECT kommunenummer, msg_id, event_id, event_type, msg_type, standard, standard_version, status, explicit_doc_id,
           ref_to_parent, ref_to_conversation, doc_key, chain_depth, patient, gen_date, to_timestamp(recorded_at / 1000.0),
           sender_her_ids, sender_name, facts, source_topic, source_partition, source_offset
         FROM ROWS FROM (jsonb_array_elements(${facts}::jsonb),
           json_to_recordset(${columns}::json) AS (kommunenummer char(4), msg_id text, event_id uuid, event_type text, msg_type text,
           standard text, standard_version text, status text, explicit_doc_id text, ref_to_parent text, ref_to_conversation text,
           doc_key text, chain_depth int, patient text, gen_date text, recorded_at double precision, sender_her_ids text[],
           sender_name text, source_topic text, source_partition int, source_offset bigint)) AS x(facts)
         ON CONFLICT (kommunenummer, msg_id) DO UPDATE SET event_id = EXCLUDED.event_id, event_type = EXCLUDED.event_type,
           msg_type = EXCLUDED.msg_type, standard = EXCLUDED.standard, standard_version = EXCLUDED.standard_version, status = EXCLUDED.status,
           explicit_doc_id = EXCLUDED.explicit_doc_id, patient = EXCLUDED.patient, gen_date = EXCLUDED.gen_date,
           sender_her_ids = EXCLUDED.sender_her_ids, sender_name = EXCLUDED.sender_name, facts = EXCLUDED.facts,
           doc_key = EXCLUDED.doc_key, chain_depth = EXCLUDED.chain_depth)`);
    }
    if (this.rows.documents) {
      parts.push(`documents AS (INSERT INTO ${this.s}.documents (kommunenummer, doc_key, msg_type, patient, state, current_msg_id, version_count)
         SELECT * FROM json_to_recordset(${param(this.rows.documents)}::json) AS x(kommunenummer char(4), doc_key text, msg_type text, patient text, state text,
           current_msg_id text, version_count int)
         ON CONFLICT (kommunenummer, doc_key) DO UPDATE SET msg_type = EXCLUDED.msg_type, patient = EXCLUDED.patient,
           state = EXCLUDED.state, current_msg_id = EXCLUDED.current_msg_id, version_count = EXCLUDED.version_count)`);
    }
    if (this.rows.patients) {
      // The rows were merged in memory with the stored ones (mergeDemographics), so they replace them.
      parts.push(`patients AS (INSERT INTO ${this.s}.patients (kommunenummer, pseudonym, family_name, given_name, names_gen_date, birth_date, sex, identifier_types, last_gen_date)
         SELECT * FROM json_to_recordset(${param(this.rows.patients)}::json) AS x(kommunenummer char(4), pseudonym text, family_name text, given_name text,
           names_gen_date text, birth_date text, sex text, identifier_types text[], last_gen_date text)
         ON CONFLICT (kommunenummer, pseudonym) DO UPDATE SET family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name,
           names_gen_date = EXCLUDED.names_gen_date, birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, identifier_types = EXCLUDED.identifier_types,
           last_gen_date = EXCLUDED.last_gen_date)`);
    }
    if (this.rows.links) {
      parts.push(`links AS (INSERT INTO ${this.s}.patient_links (kommunenummer, pseudonym, linked)
         SELECT * FROM json_to_recordset(${param(this.rows.links)}::json) AS x(kommunenummer char(4), pseudonym text, linked text) ON CONFLICT DO NOTHING)`);
    }
    const offsetTable = generationOffsets(this.schemaName);
    const offsets = this.rows.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.nextOffset, topicId: o.topicId }));
    if (offsets.length > 0) {
      const upsert = storedOffsetsUpsert(offsetTable, offsets, `$${params.length + 1}`);
      param(upsert.param);
      parts.push(`offsets AS (${upsert.sql})`);
    }
    if (parts.length > 0) {
      const [row] = (await manager.query(`WITH ${parts.join(',\n')}\nSELECT ${offsets.length > 0 ? '(SELECT count(*) FROM offsets)::int' : '0'} AS offsets_written`, params)) as Array<{ offsets_written: number }>;
      assertStoredOffsetsWritten(offsetTable, offsets, row.offsets_written);
    }
    if (this.rows.placements) {
      await manager.query(
        `UPDATE ${this.s}.message_versions m SET doc_key = x.doc_key, chain_depth = x.chain_depth
         FROM json_to_recordset($1::json) AS x(kommunenummer char(4), msg_id text, doc_key text, chain_depth int)
         WHERE m.kommunenummer = x.kommunenummer AND m.msg_id = x.msg_id`,
        [this.rows.placements],
      );
    }
  }
}

function index(map: Map<string, Set<string>>, key: string, msgId: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(msgId);
}

/** The indexed columns a version is looked up by. */
type KeyColumn = 'msg_id' | 'doc_key' | 'ref_to_parent';

/** Per kommune, the keys a batch will read that the overlay does not hold yet. */
interface KeysToLoad {
  knr: string;
  msgIds: Set<string>;
  docKeys: Set<string>;
  parents: Set<string>;
  pseudonyms: Set<string>;
}

/** What the rules read of a stored version (StoredVersion): never its facts, which only the read APIs read. */
const VERSION_COLUMNS = 'msg_id, event_type, msg_type, status, ref_to_parent, doc_key, chain_depth, patient, gen_date';

const PATIENT_COLUMNS = 'pseudonym, family_name, given_name, names_gen_date, birth_date, sex, identifier_types, last_gen_date';

/** (kommune, key) pairs as the two arrays a probe's `unnest($n::char(4)[], $m::text[])` takes. */
function unzip(pairs: Array<[string, string]>): [string[], string[]] {
  return [pairs.map(([knr]) => knr), pairs.map(([, key]) => key)];
}

interface KommuneVersionRow extends VersionRow {
  kommunenummer: string;
}

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
  };
}
