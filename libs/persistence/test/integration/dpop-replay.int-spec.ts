import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { DpopReplayRepository } from '../../src/dpop-replay.repository';
import { DpopProofReplay1764320000000 } from '../../src/migrations/1764320000000-DpopProofReplay';
import { AuditRefusalReason1764320100000 } from '../../src/migrations/1764320100000-AuditRefusalReason';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/** The DPoP replay cache on the real PostgreSQL, as two hub instances (two pools) share it. */
describe('DpopReplayRepository (PostgreSQL)', () => {
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    first = createDataSource(TEST_DATABASE_URL, { poolSize: 4 });
    second = createDataSource(TEST_DATABASE_URL, { poolSize: 4 });
    await Promise.all([first.initialize(), second.initialize()]);
  });
  afterAll(async () => {
    await Promise.all([first?.destroy(), second?.destroy()]);
  });

  const later = (ms: number) => Date.now() + ms;

  it('says a key is new once, across instances, until it expires', async () => {
    const a = new DpopReplayRepository(first);
    const b = new DpopReplayRepository(second);
    const key = randomUUID();
    expect(await a.remember(key, later(60_000))).toBe(true);
    expect(await b.remember(key, later(60_000))).toBe(false);
    expect(await a.remember(key, later(60_000))).toBe(false);
    const expired = randomUUID();
    expect(await a.remember(expired, later(-1000))).toBe(true);
    // An expired row is taken over: the proof it stood for can no longer be accepted anyway.
    expect(await b.remember(expired, later(60_000))).toBe(true);
    expect(await a.remember(expired, later(60_000))).toBe(false);
  });

  it('lets exactly one of many concurrent instances have the same key', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => new DpopReplayRepository(i % 2 ? first : second).remember(key, later(60_000))));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('prunes expired rows only', async () => {
    const repository = new DpopReplayRepository(first);
    const gone = randomUUID();
    const kept = randomUUID();
    await repository.remember(gone, later(-1000));
    await repository.remember(kept, later(60_000));
    await repository.prune();
    const rows: Array<{ proof_key: string }> = await first.query('SELECT proof_key FROM dpop_proof_replay WHERE proof_key = ANY($1)', [[gone, kept]]);
    expect(rows.map((r) => r.proof_key)).toEqual([kept]);
  });

  it('has reversible migrations (down, then up again, inside a transaction that is rolled back)', async () => {
    const runner = first.createQueryRunner();
    await runner.startTransaction();
    const exists = async (sql: string) => ((await runner.query(sql)) as Array<{ n: number }>)[0].n > 0;
    const table = "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'dpop_proof_replay'";
    const column = "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'audit_log' AND column_name = 'refusal_reason'";
    try {
      expect([await exists(table), await exists(column)]).toEqual([true, true]);
      await new AuditRefusalReason1764320100000().down(runner);
      await new DpopProofReplay1764320000000().down(runner);
      expect([await exists(table), await exists(column)]).toEqual([false, false]);
      await new DpopProofReplay1764320000000().up(runner);
      await new AuditRefusalReason1764320100000().up(runner);
      expect([await exists(table), await exists(column)]).toEqual([true, true]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
