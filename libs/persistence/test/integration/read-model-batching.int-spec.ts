import fc from 'fast-check';
import { DataSource } from 'typeorm';
import type { DocumentEvent } from '@hub/contracts';
import { ReadModelProjector } from '@hub/projections';
import { documentEvent } from '@hub/testing';
import { InMemoryReadModel } from '../../../projections/src/in-memory-read-model.fake';
import { createDataSource } from '../../src/data-source.factory';
import { readModelDdl } from '../../src/read-model.schema';
import { ReadModelWriteRepository, ReadModelWrites } from '../../src/read-model-write.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The set-based writer must leave exactly the rows that applying the same events one at a time
 * leaves, however the events are split into batches: parked changes whose parent comes in a
 * later batch, chains across three batches, duplicates inside one batch, one patient's
 * demographics changing within a batch, two kommuner in one batch.
 */
describe('ReadModelWriteRepository: a batch leaves the same rows as one event at a time (PostgreSQL)', () => {
  const base = 910000 + Math.floor(Math.random() * 80000);
  const batched = `readmodel_g${base}`;
  const single = `readmodel_g${base + 1}`;
  let dataSource: DataSource;
  const projector = new ReadModelProjector();

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    for (const schema of [batched, single]) for (const statement of readModelDdl(schema)) await dataSource.query(statement);
  });
  afterAll(async () => {
    for (const schema of [batched, single]) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  /** Each batch in one transaction: its reads see every batch before it committed. */
  async function applyInBatches(schema: string, events: DocumentEvent[], sizes: number[]): Promise<void> {
    let offset = 0;
    for (const batch of split(events, sizes)) {
      await dataSource.transaction(async (manager) => {
        const tx = new ReadModelWriteRepository(manager, schema);
        offset = await applyBatch(tx, batch, offset);
        await tx.flush();
      });
    }
  }

  /**
   * As the rebuild pipelines them (libs/ops RebuildPipeline): each batch's rules read outside any
   * transaction through the overlay handed over by the batch before, and that batch commits only
   * after them, so every read misses the previous batch's rows in the database (the worst case).
   */
  async function applyHandedOver(schema: string, events: DocumentEvent[], sizes: number[]): Promise<void> {
    let overlay = new ReadModelWriteRepository(dataSource.manager, schema);
    let previous: ReadModelWrites | undefined;
    let offset = 0;
    for (const batch of split(events, sizes)) {
      offset = await applyBatch(overlay, batch, offset);
      const { writes, next } = overlay.handOver();
      if (previous) await dataSource.transaction((manager) => previous!.writeTo(manager));
      previous = writes;
      overlay = next;
    }
    if (previous) await dataSource.transaction((manager) => previous!.writeTo(manager));
  }

  async function applyBatch(tx: ReadModelWriteRepository, batch: DocumentEvent[], offset: number): Promise<number> {
    await tx.prefetch(batch);
    for (const e of batch) await projector.apply(tx, e, { topic: 't', partition: 0, offset: String(offset++) });
    await tx.saveOffset('t', 0, String(offset));
    return offset;
  }

  async function dump(schema: string) {
    const q = (sql: string) => dataSource.query(sql.replaceAll('$s', `"${schema}"`));
    return {
      versions: await q('SELECT kommunenummer, msg_id, doc_key, chain_depth, status, facts FROM $s.message_versions ORDER BY 1, 2'),
      documents: await q('SELECT * FROM $s.documents ORDER BY kommunenummer, doc_key'),
      services: await q('SELECT * FROM $s.service_facts ORDER BY kommunenummer, doc_key, ordinal'),
      diagnoses: await q('SELECT * FROM $s.diagnosis_facts ORDER BY kommunenummer, doc_key, ordinal'),
      needs: await q('SELECT * FROM $s.service_need_facts ORDER BY kommunenummer, doc_key, ordinal'),
      events: await q('SELECT * FROM $s.patient_event_facts ORDER BY kommunenummer, doc_key, ordinal'),
      patients: await q('SELECT * FROM $s.patients ORDER BY kommunenummer, pseudonym'),
      links: await q('SELECT * FROM $s.patient_links ORDER BY 1, 2, 3'),
      offsets: await q('SELECT topic, partition, next_offset FROM $s.projection_offsets'),
    };
  }

  async function truncate(): Promise<void> {
    for (const schema of [batched, single]) {
      await dataSource.query(
        ['message_versions', 'documents', 'patients', 'patient_links', 'projection_offsets']
          .map((t) => `TRUNCATE "${schema}".${t}`)
          .join('; '),
      );
    }
  }

  it('matches one-at-a-time application and the projection rules for random chains, orders and batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(), batchSizes(), async (events, sizes) => {
        await truncate();
        await applyInBatches(single, events, [1]);
        await applyInBatches(batched, events, sizes);
        const one = await dump(single);
        const many = await dump(batched);
        expect(many).toEqual(one);

        // And both agree with the rules as the in-memory model applies them.
        const memory = new InMemoryReadModel();
        let offset = 0;
        for (const e of events) await projector.apply(memory, e, { topic: 't', partition: 0, offset: String(offset++) });
        const expected = [...memory.documents.entries()]
          .map(([key, d]) => ({ kommunenummer: key.split('|')[0], doc_key: d.docKey, state: d.state, current_msg_id: d.currentMsgId, version_count: d.versionCount }))
          .sort((a, b) => a.kommunenummer.localeCompare(b.kommunenummer) || (a.doc_key < b.doc_key ? -1 : 1));
        expect(many.documents.map((d: Record<string, unknown>) => ({ kommunenummer: d.kommunenummer, doc_key: d.doc_key, state: d.state, current_msg_id: d.current_msg_id, version_count: d.version_count }))).toEqual(expected);
      }),
      { numRuns: 25, seed: 20261123 },
    );
  }, 120000);

  it('leaves the same rows whatever order the events arrive in (live and rebuild may interleave partitions differently)', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario(),
        batchSizes(),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (events, sizes, random) => {
          await truncate();
          const it = random[Symbol.iterator]();
          const reordered = events.map((e) => ({ e, k: it.next().value as number })).sort((a, b) => a.k - b.k).map(({ e }) => e);
          await applyInBatches(single, events, [1]);
          await applyInBatches(batched, reordered, sizes);
          expect(await dump(batched)).toEqual(await dump(single));
        },
      ),
      { numRuns: 25, seed: 20261124 },
    );
  }, 120000);

  it('leaves the same rows when each batch is read before the batch before it has committed (the rebuild pipeline)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(), batchSizes(), async (events, sizes) => {
        await truncate();
        await applyInBatches(single, events, [1]);
        await applyHandedOver(batched, events, sizes);
        expect(await dump(batched)).toEqual(await dump(single));
      }),
      { numRuns: 40, seed: 20261206 },
    );
  }, 120000);

  it('a handed-over batch that waits for its parent, its parent and its child each in the next batch, none committed yet', async () => {
    await truncate();
    const n = documentEvent({ knr: '9951', msgId: 'n', status: 'N', codes: ['A'], patient: 'p9', familyName: 'Before' });
    const m = documentEvent({ knr: '9951', msgId: 'm', status: 'M', parent: 'n', codes: ['B'] });
    const m2 = documentEvent({ knr: '9951', msgId: 'm2', status: 'M', parent: 'm', codes: ['C'], patient: 'p9', familyName: 'After', genDate: '2024-02-01T10:00:00' });
    const c = documentEvent({ knr: '9951', msgId: 'c', status: 'C', parent: 'm2', codes: [] });
    await applyHandedOver(batched, [m, n, m2, c], [1]);
    await applyInBatches(single, [m, n, m2, c], [1]);
    const rows = await dump(batched);
    expect(rows).toEqual(await dump(single));
    expect(rows.documents.map((d: { doc_key: string; state: string; version_count: number }) => [d.doc_key, d.state, d.version_count])).toEqual([['msg:n', 'CANCELLED', 4]]);
    expect(rows.patients.find((p: { pseudonym: string }) => p.pseudonym === 'p9')?.family_name).toBe('After');
  });

  it('a change parked in one batch is adopted, with its own child, when the parent arrives two batches later', async () => {
    await truncate();
    const n = documentEvent({ knr: '9951', msgId: 'n', status: 'N', codes: ['A'] });
    const m = documentEvent({ knr: '9951', msgId: 'm', status: 'M', parent: 'n', codes: ['B'] });
    const m2 = documentEvent({ knr: '9951', msgId: 'm2', status: 'M', parent: 'm', codes: ['C'] });
    await applyInBatches(batched, [m2, m, n], [1, 1, 1]);
    const rows = await dump(batched);
    expect(rows.versions.map((v: { msg_id: string; doc_key: string; chain_depth: number }) => [v.msg_id, v.doc_key, v.chain_depth])).toEqual([
      ['m', 'msg:n', 1],
      ['m2', 'msg:n', 2],
      ['n', 'msg:n', 0],
    ]);
    expect(rows.services.map((s: { iplos_code: string }) => s.iplos_code)).toEqual(['C']);
  });

  it('costs a fixed number of statements per batch, not per event or per kommune', async () => {
    await truncate();
    // Three kommuner in one batch (a fetch's partitions share a transaction); a change and its original in the same one.
    const knr = (i: number) => ['9951', '9952', '9953'][Math.floor(i / 3) % 3];
    const events = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 2 ? documentEvent({ knr: knr(i), msgId: `r${i}`, status: 'M', parent: `r${i - 2}`, codes: ['X'] }) : documentEvent({ knr: knr(i), msgId: `r${i}`, status: 'N', codes: ['A', 'B'], patient: `p${i % 7}` }),
    );
    let statements = 0;
    await dataSource.transaction(async (manager) => {
      const query = manager.query.bind(manager);
      manager.query = ((sql: string, params?: unknown[]) => {
        statements += 1;
        return query(sql, params);
      }) as typeof manager.query;
      const tx = new ReadModelWriteRepository(manager, batched);
      await tx.prefetch(events);
      let offset = 0;
      for (const e of events) await projector.apply(tx, e, { topic: 't', partition: 0, offset: String(offset++) });
      await tx.saveOffset('t', 0, String(offset));
      await tx.flush();
    });
    // Two to prefetch, for all three kommuner; versions, documents, patients, links, offsets to flush (facts are views).
    expect(statements).toBeLessThanOrEqual(8);
    const rows = await dump(batched);
    expect(rows.versions).toHaveLength(60);
    // 20 documents as sent (A, B) and 20 whose change replaced them (X).
    expect(rows.services.filter((s: { retracted: boolean }) => !s.retracted)).toHaveLength(20 * 2 + 20 * 1);
  });

  it("prefetches by index: a batch's reads do not grow with its kommune's history", async () => {
    await truncate();
    // Kommune 9951 has 50 documents, 9952 has 4,000; each then gets the same kind of batch. No
    // ANALYZE: the plan must not depend on statistics (a new generation has none until autovacuum).
    const history = (knr: string, n: number) => Array.from({ length: n }, (_, i) => documentEvent({ knr, msgId: `${knr}-h${i}`, status: 'N', codes: ['A', 'B'], patient: `p${i % 1999}` }));
    // And changes whose original never reached the hub (sent before it went live): parked for good.
    const orphans = (knr: string, n: number) => Array.from({ length: n }, (_, i) => documentEvent({ knr, msgId: `${knr}-o${i}`, status: 'M', parent: `${knr}-before-${i}`, codes: ['E'] }));
    await applyInBatches(batched, [...history('9951', 50), ...orphans('9951', 10), ...history('9952', 4000), ...orphans('9952', 1000)], [1000]);
    /**
     * Buffers PostgreSQL touched (shared hit + read, EXPLAIN ANALYZE) reading versions for a batch
     * (new documents, changes to stored ones, a change waiting for its parent): with the prefetch,
     * or key by key as the projector's rules ask.
     */
    const readBlocks = async (knr: string, prefetch: boolean) => {
      const id = (name: string) => `${knr}-${name}-${prefetch ? 'p' : 'l'}`;
      const batch = [
        documentEvent({ knr, msgId: id('n1'), status: 'N', codes: ['C'] }),
        documentEvent({ knr, msgId: id('n2'), status: 'N', codes: ['C'], explicitId: id('doc') }),
        documentEvent({ knr, msgId: id('m1'), status: 'M', parent: `${knr}-h${prefetch ? 3 : 4}`, codes: ['D'] }),
        documentEvent({ knr, msgId: id('m2'), status: 'M', parent: `${knr}-h${prefetch ? 17 : 18}`, codes: ['D'] }),
        documentEvent({ knr, msgId: id('m3'), status: 'M', parent: id('unknown'), codes: ['D'] }),
      ];
      let blocks = 0;
      let explained = 0;
      await dataSource.transaction(async (manager) => {
        const query = manager.query.bind(manager);
        const explain = async (sql: string, params?: unknown[]) => {
          const [{ 'QUERY PLAN': plan }] = await query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
          blocks += plan[0].Plan['Shared Hit Blocks'] + plan[0].Plan['Shared Read Blocks'];
          explained += 1;
        };
        manager.query = (async (sql: string, params?: unknown[]) => {
          if (/^\s*(WITH|SELECT)/.test(sql)) await explain(sql, params);
          return query(sql, params);
        }) as typeof manager.query;
        // The prefetch's statements are prepared by name on the transaction's connection: the plan
        // measured is the generic one PostgreSQL keeps for them (forced here; it settles on it
        // after five executions when it costs no more than the custom plans).
        await query('SET LOCAL plan_cache_mode = force_generic_plan');
        const client = (manager.queryRunner as unknown as { databaseConnection: { query(config: unknown, values?: unknown[]): Promise<unknown>; escapeLiteral(text: string): string } }).databaseConnection;
        // EXECUTE takes its arguments as literals (a utility statement has no parameters of its own).
        const literal = (value: unknown) =>
          client.escapeLiteral(Array.isArray(value) ? `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : String(value));
        const clientQuery = client.query.bind(client);
        client.query = (async (config: unknown, values?: unknown[]) => {
          const named = config as { name?: string; text?: string; values?: unknown[] };
          if (typeof config !== 'object' || !named.name) return clientQuery(config, values);
          const result = await clientQuery(config);
          await explain(`EXECUTE "${named.name}"(${(named.values ?? []).map(literal).join(', ')})`);
          return result;
        }) as typeof client.query;
        const tx = new ReadModelWriteRepository(manager, batched);
        if (prefetch) await tx.prefetch(batch);
        const before = explained;
        for (const e of batch) await projector.apply(tx, e, { topic: 't', partition: 0, offset: '0' });
        // Everything the batch needs was prefetched: applying it reads nothing more.
        if (prefetch) expect(explained).toBe(before);
        client.query = clientQuery as typeof client.query;
      });
      expect(explained).toBeGreaterThan(0);
      return blocks;
    };
    for (const prefetch of [true, false]) {
      const small = await readBlocks('9951', prefetch);
      const large = await readBlocks('9952', prefetch);
      // Reading every version (or every parked version) of the kommune costs the large one
      // hundreds of blocks more; by index, a lookup may cost a level more in the larger index.
      expect({ prefetch, small, large, withinAFewBlocks: large <= small + 30 }).toEqual({ prefetch, small, large, withinAFewBlocks: true });
    }
  });
});

/** Events split into batches of these sizes, in turn. */
function* split(events: DocumentEvent[], sizes: number[]): Generator<DocumentEvent[]> {
  let i = 0;
  for (let s = 0; i < events.length; s++) {
    const batch = events.slice(i, i + Math.max(1, sizes[s % sizes.length]));
    i += batch.length;
    yield batch;
  }
}

const batchSizes = () => fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 });

/**
 * A few documents per kommune, each a chain N → M → M (→ C), some keyed by an explicit document
 * id, with GenDates and patient names that disagree with arrival order, some messages delivered
 * twice, all shuffled.
 */
function scenario(): fc.Arbitrary<DocumentEvent[]> {
  const chain = fc.record({
    knr: fc.constantFrom('9951', '9952'),
    length: fc.integer({ min: 1, max: 4 }),
    cancelled: fc.boolean(),
    explicit: fc.boolean(),
    patient: fc.constantFrom('p1', 'p2', 'p3'),
    day: fc.integer({ min: 1, max: 28 }),
  });
  return fc
    .tuple(fc.array(chain, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 4 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })))
    .map(([chains, duplicates, random]) => {
      const events: DocumentEvent[] = [];
      chains.forEach((c, d) => {
        let parent: string | undefined;
        for (let v = 0; v < c.length; v++) {
          const status = v === 0 ? 'N' : c.cancelled && v === c.length - 1 ? 'C' : 'M';
          const msgId = `d${d}v${v}`;
          const day = String(((c.day + v * 7) % 28) + 1).padStart(2, '0');
          events.push(documentEvent({
            knr: c.knr, msgId, status, parent, codes: [`${d}${v}a`, `${d}${v}b`].slice(0, 1 + (v % 2)), genDate: `2024-01-${day}T10:00:00`,
            patient: c.patient, familyName: v % 2 ? null : `Name${d}${v}`, explicitId: c.explicit ? `doc${d}` : undefined,
          }));
          parent = msgId;
        }
      });
      for (const n of duplicates) events.push(events[n % events.length]);
      const it = random[Symbol.iterator]();
      return events
        .map((e) => ({ e, k: it.next().value as number }))
        .sort((a, b) => a.k - b.k)
        .map(({ e }) => e);
    });
}
