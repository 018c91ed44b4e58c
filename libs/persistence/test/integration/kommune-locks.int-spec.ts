import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { ProjectionStateRepository } from '../../src/projection-state.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The projector's kommune locks against the real PostgreSQL (advisory locks held to the end of
 * the transaction): one statement locks every kommune of a batch; a batch of an overlapping
 * kommune waits until the first commits, one of other kommuner or another generation does not,
 * and two batches locking the same kommuner in opposite orders do not deadlock.
 */
describe('ProjectionStateRepository.lockKommuner (PostgreSQL)', () => {
  const schema = `readmodel_g${900000 + Math.floor(Math.random() * 99999)}`;
  let dataSource: DataSource;
  let state: ProjectionStateRepository;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 6 });
    await dataSource.initialize();
    state = new ProjectionStateRepository(dataSource);
  });
  afterAll(() => dataSource.destroy());

  const settled = (p: Promise<unknown>, ms = 400) => Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);

  /** A transaction that takes the locks, then holds them until released. */
  function holder(schemaName: string, kommuner: string[]) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let statements = 0;
    const locked = new Promise<void>((lockedResolve, lockedReject) => {
      void dataSource
        .transaction(async (manager) => {
          const query = manager.query.bind(manager);
          manager.query = ((sql: string, params?: unknown[]) => {
            statements += 1;
            return query(sql, params);
          }) as typeof manager.query;
          await state.lockKommuner(manager, schemaName, kommuner);
          lockedResolve();
          await released;
        })
        .catch(lockedReject);
    });
    return { locked, release, statements: () => statements };
  }

  it('holds every kommune of a batch, in one statement, until the transaction ends', async () => {
    const first = holder(schema, ['9952', '9951', '9952']);
    await first.locked;
    expect(first.statements()).toBe(1);
    const overlapping = holder(schema, ['9953', '9952']);
    const others = holder(schema, ['9954']);
    const otherGeneration = holder(`${schema}x`, ['9951']);
    expect(await settled(others.locked)).toBe(true);
    expect(await settled(otherGeneration.locked)).toBe(true);
    expect(await settled(overlapping.locked)).toBe(false);
    first.release();
    expect(await settled(overlapping.locked, 5000)).toBe(true);
    for (const h of [overlapping, others, otherGeneration]) h.release();
  });

  it('takes the locks in one order whatever order the batch names them, so batches do not deadlock', async () => {
    // A third batch holds the middle kommune, so both batches below stop inside their lock
    // statement. In the order named, one would hold 9961 and the other 9963, each then waiting
    // for the other's once 9962 is free: a deadlock, which PostgreSQL breaks by failing one. In
    // one order, whichever did not get 9961 waits for it holding nothing.
    const middle = holder(schema, ['9962']);
    await middle.locked;
    const a = holder(schema, ['9961', '9962', '9963']);
    const b = holder(schema, ['9963', '9962', '9961']);
    expect(await settled(a.locked, 300)).toBe(false);
    expect(await settled(b.locked, 300)).toBe(false);
    middle.release();
    // The one whose statement took 9961 first (the pool decides which) gets them all; the other waits.
    const [first, second] = await Promise.race([a.locked.then(() => [a, b]), b.locked.then(() => [b, a])]);
    expect(await settled(second.locked, 300)).toBe(false);
    first.release();
    await second.locked;
    second.release();
  });
});
