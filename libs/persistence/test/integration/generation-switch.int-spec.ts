import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { ProjectionStateRepository } from '../../src/projection-state.repository';
import { readModelDdl } from '../../src/read-model.schema';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The race a rebuild's switch must survive (issue #6), against the real PostgreSQL: a live
 * projector batch holds the generation row FOR SHARE while it writes; a switch takes it FOR
 * UPDATE, so it waits for the batch, then sees the batch's offsets and refuses to switch to a
 * generation that is behind; and a batch that starts during a switch waits and then writes to
 * the new generation. Uses its own projection row and schemas, so it never touches the live ones.
 */
describe('generation switch under a live projector batch', () => {
  const projection = `switch-test-${Date.now()}`;
  const base = 800000 + Math.floor(Math.random() * 99999);
  const [oldGen, newGen] = [`readmodel_g${base}`, `readmodel_g${base + 1}`];
  let dataSource: DataSource;
  let state: ProjectionStateRepository;

  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return { open, opened };
  };
  const settled = async (p: Promise<unknown>, ms = 400) => Promise.race([p.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), ms))]);
  const offset = async (schema: string) => (await state.offsets(schema, ['t'])).find((o) => o.partition === 0)?.offset ?? '0';
  const setOffset = (schema: string, value: number) =>
    dataSource.query(`INSERT INTO "${schema}".projection_offsets (topic, partition, next_offset) VALUES ('t', 0, $1) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`, [value]);
  const caughtUp = async (manager: import('typeorm').EntityManager, live: string) => {
    const [l] = await state.offsetsIn(manager, live, ['t']);
    const [n] = await state.offsetsIn(manager, newGen, ['t']);
    return BigInt(n?.offset ?? 0) >= BigInt(l?.offset ?? 0);
  };

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 6 });
    await dataSource.initialize();
    state = new ProjectionStateRepository(dataSource);
    for (const schema of [oldGen, newGen]) for (const statement of readModelDdl(schema)) await dataSource.query(statement);
    await dataSource.query('INSERT INTO projection_generations (projection, active_schema) VALUES ($1, $2)', [projection, oldGen]);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM projection_generations WHERE projection = $1', [projection]);
    for (const schema of [oldGen, newGen]) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('waits for the live batch, sees its offsets and does not switch to a generation that is behind', async () => {
    await setOffset(newGen, 5);
    const hold = gate();
    const locked = gate();
    const batch = state.batchTransaction(projection, async (manager, schema) => {
      locked.open();
      await hold.opened;
      await manager.query(`UPDATE "${schema}".projection_offsets SET next_offset = 10 WHERE topic = 't'`);
      await manager.query(`INSERT INTO "${schema}".projection_offsets (topic, partition, next_offset) VALUES ('t', 0, 10) ON CONFLICT DO NOTHING`);
      return schema;
    });
    await locked.opened;
    const switching = state.switchActiveSchema(projection, newGen, caughtUp);
    expect(await settled(switching)).toBe(false);
    hold.open();
    expect(await batch).toBe(oldGen);
    expect(await switching).toEqual({ switched: false, previous: oldGen });
    expect(await state.activeSchema(projection)).toBe(oldGen);
    expect(await offset(oldGen)).toBe('10');
  });

  it('switches once caught up; a batch starting during the switch waits and writes to the new generation', async () => {
    await setOffset(newGen, 12);
    const inReady = gate();
    const release = gate();
    const switching = state.switchActiveSchema(projection, newGen, async (manager, live) => {
      inReady.open();
      await release.opened;
      return caughtUp(manager, live);
    });
    await inReady.opened;
    // The live projector's batch, and the rebuild's own check of the generation (lockActiveSchema).
    const batch = state.batchTransaction(projection, async (_manager, schema) => schema);
    const rebuildCheck = state.transaction((manager) => state.lockActiveSchema(manager, projection));
    expect(await settled(batch)).toBe(false);
    expect(await settled(rebuildCheck, 50)).toBe(false);
    release.open();
    expect(await switching).toEqual({ switched: true, previous: oldGen });
    expect(await batch).toBe(newGen);
    expect(await rebuildCheck).toBe(newGen);
    expect(await state.activeSchema(projection)).toBe(newGen);
  });

  it("commits a batch without waiting for the WAL flush, in that transaction only", async () => {
    const setting = async (manager: import('typeorm').EntityManager) => (await manager.query('SHOW synchronous_commit'))[0].synchronous_commit;
    expect(await state.batchTransaction(projection, (manager) => setting(manager))).toBe('off');
    expect(await state.transaction((manager) => setting(manager))).toBe('off');
    // The pool's connections keep the server's setting for everything else.
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map(() => dataSource.transaction((manager) => setting(manager))))).toEqual(['on', 'on', 'on', 'on', 'on', 'on']);
  });
});
