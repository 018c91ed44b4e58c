import { OpsContext, RebuildService, StatusService } from '@hub/ops';
import { OpsStateRepository, readModelSchemaName } from '@hub/persistence';
import { Client } from 'pg';
import { TEST_DATABASE_URL } from '../support/test-env';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { activeSchema, countIn, kommune, openOps, orientering, overview, post, sql, testPatient } from './ops-support';

/**
 * Rebuild without downtime (issue #6): the read model is rebuilt into a new generation while
 * a reader polls the API and a gateway keeps posting; the reader never sees an error or an
 * empty answer, the switch loses nothing the live projector wrote meanwhile, and the live
 * projector continues on the new generation. A kommune-scoped rebuild carries the other
 * kommuner over; an interrupted rebuild leaves the live generation untouched and can be aborted.
 */
describe('ops: rebuild the read model while it serves', () => {
  const a = kommune('9921', 'Byggvik', 8821001);
  const b = kommune('9922', 'Annenvik', 8822001);
  let hub: HubHarness;
  let ops: OpsContext;
  let gatewayA: string;
  let gatewayB: string;
  let readerA: string;
  const watched = testPatient(31);
  let next = 100;

  const postTo = async (k: typeof a, token: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const m = orientering(k, testPatient(next++), [{ iplosCode: '15', description: 'Dusj', startDate: '2024-01-03' }]);
      expect(await post(hub, token, m.body)).toBe(202);
    }
  };
  const versions = async (schema: string, k: typeof a) => countIn(schema, 'message_versions', k.kommunenummer);
  /** A generation's indexes as PostgreSQL describes them, the schema name left out so generations compare. */
  const indexes = async (schema: string) =>
    (await sql<{ d: string }>(`SELECT indexname || ': ' || replace(indexdef, $1, 'G.') AS d FROM pg_indexes WHERE schemaname = $2 ORDER BY 1`, [`${schema}.`, schema])).map((r) => r.d);

  beforeAll(async () => {
    hub = await startHub([a, b]);
    ops = await openOps();
    gatewayA = await hub.token({ client: 'gw-a', scopes: ['messages:write'], kommuner: [a.kommunenummer] });
    gatewayB = await hub.token({ client: 'gw-b', scopes: ['messages:write'], kommuner: [b.kommunenummer] });
    readerA = await hub.token({ client: 'reader', scopes: ['patients:read'], kommuner: [a.kommunenummer] });
    const m = orientering(a, watched, [
      { iplosCode: '15', description: 'Dusj', startDate: '2024-01-03' },
      { iplosCode: '6', description: 'Trygghetsalarm', startDate: '2024-02-01' },
    ]);
    expect(await post(hub, gatewayA, m.body)).toBe(202);
    await postTo(a, gatewayA, 20);
    await postTo(b, gatewayB, 10);
    const live = await activeSchema();
    await eventually(async () => ((await versions(live, a)) === 21 && (await versions(live, b)) === 10 ? true : undefined), 90000);
  });
  afterAll(async () => {
    await ops?.close();
    await hub?.close();
  });

  it('switches to a complete new generation while a reader polls without a single error or empty answer', async () => {
    const before = await activeSchema();
    const seen = { reads: 0, errors: [] as string[], empty: 0 };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          const answer = await overview(hub.baseUrl, readerA, a.kommunenummer, watched.fnr);
          seen.reads += 1;
          if (answer.status !== 200) seen.errors.push(`HTTP ${answer.status}`);
          else if (!answer.found || answer.services?.length !== 2) seen.empty += 1;
        } catch (error) {
          seen.errors.push(String(error));
        }
      }
    })();
    // The gateway keeps posting during the rebuild, so the live projector commits while it runs.
    const writer = postTo(a, gatewayA, 10);
    const result = await new RebuildService(ops).rebuild({ pollMs: 200 });
    await writer;
    expect(result).toMatchObject({ status: 'switched', previousSchema: before, kommuner: 'all', resumed: false });
    const after = await activeSchema();
    expect(after).toBe(result.targetSchema);
    expect(after).not.toBe(before);
    // Everything, including what was posted during the rebuild, is in the new live generation.
    await eventually(async () => ((await versions(after, a)) === 31 && (await versions(after, b)) === 10 ? true : undefined), 60000);
    // The live projector continues on the new generation.
    await postTo(b, gatewayB, 1);
    await eventually(async () => ((await versions(after, b)) === 11 ? true : undefined), 60000);
    polling = false;
    await poller;
    expect(seen.errors).toEqual([]);
    expect(seen.empty).toBe(0);
    expect(seen.reads).toBeGreaterThan(5);
    // Filled without its read indexes and indexed before the switch, it has every index of the
    // generation before it (on a fresh database the one the migrations made, with readModelDdl).
    expect(await indexes(after)).toEqual(await indexes(before));
    // A patient's rows are found by these two (the fact views read through documents).
    expect((await indexes(after)).filter((i) => /_kommunenummer_patient_idx: /.test(i)).map((i) => i.split('_kommunenummer')[0])).toEqual(['documents', 'message_versions']);
  });

  it('rebuilds one kommune from zero and carries the others over; keeps the previous generation, drops older ones', async () => {
    const before = await activeSchema();
    const bRows = await versions(before, b);
    const result = await new RebuildService(ops).rebuild({ kommuner: [a.kommunenummer], pollMs: 200 });
    expect(result).toMatchObject({ status: 'switched', previousSchema: before, kommuner: [a.kommunenummer] });
    const after = await activeSchema();
    expect(await versions(after, a)).toBe(await versions(before, a));
    expect(await versions(after, b)).toBe(bRows);
    expect(await countIn(after, 'service_facts', b.kommunenummer)).toBe(await countIn(before, 'service_facts', b.kommunenummer));
    // Only the events of kommune A were applied; B's came over as rows.
    expect(result.applied).toBe(await versions(after, a));
    const schemas = (await sql<{ s: string }>(`SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE 'readmodel_g%' ORDER BY 1`)).map((r) => r.s);
    expect(schemas).toEqual([before, after].sort());
    expect(result.droppedSchemas.length).toBeGreaterThan(0);
  });

  it('an interrupted rebuild leaves the live generation untouched, shows in status, resumes or aborts', async () => {
    const live = await activeSchema();
    const controller = new AbortController();
    const interrupted = await new RebuildService(ops).rebuild({ pollMs: 200, signal: controller.signal, progress: { setTotal: () => undefined, tick: () => controller.abort() } });
    expect(interrupted.status).toBe('interrupted');
    expect(await activeSchema()).toBe(live);
    // Filled without the indexes only reads use: they come once it has caught up, before its switch.
    expect((await indexes(interrupted.targetSchema)).filter((i) => /_kommunenummer_patient_idx: /.test(i))).toEqual([]);
    expect((await indexes(interrupted.targetSchema)).length).toBeGreaterThan(0);
    const status = await new StatusService(ops).status(a.kommunenummer);
    expect(status.projection).toMatchObject({ activeSchema: live, rebuild: { targetSchema: interrupted.targetSchema, kommuner: 'all' } });
    expect(status.kommuner[0].lag.every((l) => l.lag === 0)).toBe(true);
    // Every kommune at once (one admin round for all their topics): each kommune's own figures.
    const all = (await new StatusService(ops).status()).kommuner;
    for (const k of [a, b]) {
      const entry = all.find((s) => s.kommunenummer === k.kommunenummer)!;
      const projected = await versions(live, k);
      expect(entry).toMatchObject({ topicsProvisioned: true, rawRecords: projected, projectedMessages: projected, deadLetters: 0, halted: [] });
      expect(entry.lag.map((l) => [l.topic, l.lag, l.end])).toEqual([
        [expect.stringMatching(new RegExp(`\\.${k.kommunenummer}\\.raw\\.v1$`)), 0, projected],
        [expect.stringMatching(new RegExp(`\\.${k.kommunenummer}\\.events\\.v1$`)), 0, entry.eventRecords],
      ]);
    }
    expect(all.find((s) => s.kommunenummer === a.kommunenummer)!.rawRecords).not.toBe(all.find((s) => s.kommunenummer === b.kommunenummer)!.rawRecords);
    // A rebuild of another scope is refused while this one is under way.
    await expect(new RebuildService(ops).rebuild({ kommuner: [b.kommunenummer] })).rejects.toThrow(/under way/);
    const aborted = await new RebuildService(ops).rebuild({ abort: true });
    expect(aborted).toMatchObject({ status: 'aborted', targetSchema: interrupted.targetSchema });
    expect(await activeSchema()).toBe(live);
    expect((await sql(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [interrupted.targetSchema])).length).toBe(0);
    await expect(new RebuildService(ops).rebuild({ abort: true })).rejects.toThrow(/No rebuild/);
  });

  it('never writes into its generation once that is live: a write waiting for the switch writes nothing and the rebuild stops with why', async () => {
    const live = await activeSchema();
    const target = readModelSchemaName((await new OpsStateRepository(ops.dataSource).highestGeneration()) + 1);
    // As a switch does it: the generation row FOR UPDATE, then the pointer moved, in one transaction.
    const switcher = new Client({ connectionString: TEST_DATABASE_URL });
    await switcher.connect();
    try {
      await switcher.query('BEGIN');
      await switcher.query(`SELECT 1 FROM projection_generations WHERE projection = 'readmodel' FOR UPDATE`);
      const rebuild = new RebuildService(ops).rebuild({ pollMs: 200 });
      const outcome = rebuild.then(() => 'resolved', (error: Error) => error.message);
      // Both kommuner's first batches are applied and their writes wait for the generation row.
      await eventually(async () => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM projection_generations%FOR SHARE%'`,
        );
        return row.n >= 2 ? true : undefined;
      }, 30000);
      await switcher.query(`UPDATE projection_generations SET active_schema = $1 WHERE projection = 'readmodel'`, [target]);
      await switcher.query('COMMIT');
      expect(await outcome).toMatch(new RegExp(`${target} is live now`));
      expect((await versions(target, a)) + (await versions(target, b))).toBe(0);
    } finally {
      await switcher.query('ROLLBACK').catch(() => undefined);
      await switcher.end();
      await sql(`UPDATE projection_generations SET active_schema = $1 WHERE projection = 'readmodel'`, [live]);
    }
    expect(await new RebuildService(ops).rebuild({ abort: true })).toMatchObject({ status: 'aborted', targetSchema: target });
  });

  it('a rebuild that stopped right after its switch committed is only recorded on resume, never consumed into the live generation', async () => {
    const live = await activeSchema();
    const controller = new AbortController();
    const interrupted = await new RebuildService(ops).rebuild({ pollMs: 200, signal: controller.signal, progress: { setTotal: () => undefined, tick: () => controller.abort() } });
    expect(interrupted.status).toBe('interrupted');
    // As if the process died between the switch's commit and recording it.
    await sql(`UPDATE projection_generations SET active_schema = $1 WHERE projection = 'readmodel'`, [interrupted.targetSchema]);
    await expect(new RebuildService(ops).rebuild({ abort: true })).rejects.toThrow(/already live/);
    const resumed = await new RebuildService(ops).rebuild({ pollMs: 200 });
    expect(resumed).toMatchObject({ status: 'switched', targetSchema: interrupted.targetSchema, previousSchema: live, resumed: true, applied: 0 });
    expect((await sql<{ status: string }>(`SELECT status FROM ops_rebuilds ORDER BY id DESC LIMIT 1`))[0].status).toBe('switched');
  });
});
