import type { AvroCodec, DocumentEvent } from '@hub/contracts';
import type { BatchContext } from '@hub/kafka';
import { createDataSource, ProjectionStateRepository, readModelDdl, ReadModelWriteRepository } from '@hub/persistence';
import { documentEvent } from '@hub/testing';
import { RebuildPipeline } from '../../src/rebuild-pipeline';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The rebuild's pipeline against PostgreSQL: a batch's rules run while the batch before it
 * commits, and what lands is still exactly what committed, with its offsets. The codec is the
 * only fake (events travel as JSON); libs/persistence read-model-batching.int-spec checks the
 * rows against one-at-a-time application for random chains.
 */
describe('RebuildPipeline (PostgreSQL)', () => {
  const target = `readmodel_g${920000 + Math.floor(Math.random() * 70000)}`;
  const topic = 'hltest.pipeline.9951.events';
  let dataSource: ReturnType<typeof createDataSource>;
  let generations: ProjectionStateRepository;
  const codec = {
    decode: async (value: Buffer) => {
      const text = value.toString();
      if (!text.startsWith('{')) throw new Error('not an event');
      return JSON.parse(text) as DocumentEvent;
    },
  } as unknown as AvroCodec;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 4 });
    await dataSource.initialize();
    generations = new ProjectionStateRepository(dataSource);
  });
  beforeEach(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
    for (const statement of readModelDdl(target)) await dataSource.query(statement);
  });
  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
    await dataSource.destroy();
  });

  function batch(first: number, values: Array<DocumentEvent | string>): BatchContext {
    return {
      topic,
      partition: 0,
      records: values.map((v, i) => ({
        topic, partition: 0, offset: String(first + i), key: null, headers: {}, timestamp: '0',
        value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
      })),
      heartbeat: async () => undefined,
      isStale: () => false,
    };
  }

  /** Holds each transaction until released, and records when the rules read and when batches commit. */
  function gated() {
    const log: string[] = [];
    const gates: Array<() => void> = [];
    const transaction = generations.transaction.bind(generations);
    generations.transaction = (async (work: Parameters<typeof generations.transaction>[0]) => {
      const n = gates.length + 1;
      await new Promise<void>((resolve) => gates.push(resolve));
      const result = await transaction(work);
      log.push(`commit ${n}`);
      return result;
    }) as typeof generations.transaction;
    const query = dataSource.manager.query.bind(dataSource.manager);
    dataSource.manager.query = ((sql: string, params?: unknown[]) => {
      if (/message_versions/.test(sql)) log.push('read');
      return query(sql, params);
    }) as typeof dataSource.manager.query;
    return {
      log,
      release: async (n: number) => {
        while (gates.length < n) await new Promise((r) => setTimeout(r, 5));
        gates[n - 1]();
      },
      restore: () => {
        generations.transaction = transaction;
        dataSource.manager.query = query;
      },
    };
  }

  function pipeline(failures: unknown[] = [], counts = { applied: 0, undecodable: 0 }, stepSize?: number) {
    return new RebuildPipeline({
      stepSize,
      overlay: new ReadModelWriteRepository(dataSource.manager, target), generations, codec, target,
      committed: (applied, undecodable) => {
        counts.applied += applied;
        counts.undecodable += undecodable;
      },
      failed: (error) => failures.push(error),
    });
  }

  const q = (sql: string) => dataSource.query(sql.replaceAll('$s', `"${target}"`));

  it("runs a batch's rules while the batch before it commits, and places a change whose original is not committed yet", async () => {
    const gate = gated();
    try {
      const counts = { applied: 0, undecodable: 0 };
      const p = pipeline([], counts);
      const original = documentEvent({ knr: '9951', msgId: 'n', status: 'N', codes: ['A'] });
      const change = documentEvent({ knr: '9951', msgId: 'm', status: 'M', parent: 'n', codes: ['B'] });
      await p.push(batch(0, [original])); // returns with its transaction waiting at the gate
      const second = p.push(batch(1, [change]));
      while (gate.log.filter((l) => l === 'read').length < 2) await new Promise((r) => setTimeout(r, 5));
      expect(gate.log).toEqual(['read', 'read']); // batch 2 read before batch 1 committed
      expect(await q('SELECT count(*)::int AS n FROM $s.message_versions')).toEqual([{ n: 0 }]);
      await gate.release(1);
      await second;
      await gate.release(2);
      await p.drain();
      expect(gate.log.slice(2)).toEqual(['commit 1', 'commit 2']);
      expect(counts).toEqual({ applied: 2, undecodable: 0 });
      expect(await q('SELECT msg_id, doc_key, chain_depth FROM $s.message_versions ORDER BY msg_id')).toEqual([
        { msg_id: 'm', doc_key: 'msg:n', chain_depth: 1 },
        { msg_id: 'n', doc_key: 'msg:n', chain_depth: 0 },
      ]);
      expect(await q('SELECT doc_key, state, current_msg_id, version_count FROM $s.documents')).toEqual([
        { doc_key: 'msg:n', state: 'ACTIVE', current_msg_id: 'm', version_count: 2 },
      ]);
      expect(await q(`SELECT next_offset::int AS next FROM $s.projection_offsets WHERE topic = '${topic}' AND partition = 0`)).toEqual([{ next: 2 }]);
    } finally {
      gate.restore();
    }
  });

  it('skips records before the stored offset, counts and stores past the undecodable ones', async () => {
    await q(`INSERT INTO $s.projection_offsets (topic, partition, next_offset) VALUES ('${topic}', 0, 2)`);
    const counts = { applied: 0, undecodable: 0 };
    const p = pipeline([], counts);
    const events = ['a', 'b', 'c'].map((msgId) => documentEvent({ knr: '9951', msgId, status: 'N', codes: ['A'] }));
    await p.push(batch(0, [events[0], events[1], events[2], 'garbage']));
    await p.drain();
    expect(counts).toEqual({ applied: 1, undecodable: 1 });
    expect(await q('SELECT msg_id FROM $s.message_versions')).toEqual([{ msg_id: 'c' }]);
    expect(await q(`SELECT next_offset::int AS next FROM $s.projection_offsets WHERE topic = '${topic}'`)).toEqual([{ next: 4 }]);
    await expect(p.push(batch(5, [events[0]]))).rejects.toThrow(/past the stored offset/);
  });

  it('applies a large batch in steps, each its own transaction with its own next offset', async () => {
    const stored: number[] = [];
    const transaction = generations.transaction.bind(generations);
    generations.transaction = (async (work: Parameters<typeof generations.transaction>[0]) => {
      await transaction(work);
      stored.push(...(await q(`SELECT next_offset::int AS next FROM $s.projection_offsets WHERE topic = '${topic}'`)).map((r: { next: number }) => r.next));
    }) as typeof generations.transaction;
    try {
      const counts = { applied: 0, undecodable: 0 };
      const p = pipeline([], counts, 2);
      const [n, m, m2, c] = [
        documentEvent({ knr: '9951', msgId: 'n', status: 'N', codes: ['A'] }),
        documentEvent({ knr: '9951', msgId: 'm', status: 'M', parent: 'n', codes: ['B'] }),
        documentEvent({ knr: '9951', msgId: 'm2', status: 'M', parent: 'm', codes: ['C'] }),
        documentEvent({ knr: '9951', msgId: 'c', status: 'C', parent: 'm2', codes: [] }),
      ];
      await p.push(batch(0, [n, m, 'garbage', m2, c]));
      await p.drain();
      expect(stored).toEqual([2, 4, 5]);
      expect(counts).toEqual({ applied: 4, undecodable: 1 });
      expect(await q('SELECT doc_key, state, version_count FROM $s.documents')).toEqual([{ doc_key: 'msg:n', state: 'CANCELLED', version_count: 4 }]);
    } finally {
      generations.transaction = transaction;
    }
  });

  it('when a batch fails to commit, says so, fails the next batch with it and stores neither', async () => {
    const gate = gated();
    try {
      const failures: unknown[] = [];
      const p = pipeline(failures);
      await p.push(batch(0, [documentEvent({ knr: '9951', msgId: 'n', status: 'N', codes: ['A'] })]));
      // Another writer stores the partition's offset meanwhile (a rebuild run twice at once).
      await q(`INSERT INTO $s.projection_offsets (topic, partition, next_offset) VALUES ('${topic}', 0, 1)`);
      await gate.release(1);
      await p.drain();
      expect(failures).toHaveLength(1);
      expect(String(failures[0])).toMatch(/stored offset of .*\[0\] .* is 1, not 0: another writer/);
      await expect(p.push(batch(1, [documentEvent({ knr: '9951', msgId: 'm', status: 'M', parent: 'n', codes: ['B'] })]))).rejects.toBe(failures[0]);
      expect(await q('SELECT count(*)::int AS n FROM $s.message_versions')).toEqual([{ n: 0 }]);
    } finally {
      gate.restore();
    }
  });
});
