import { currentMapping, RawMapping } from '@hub/normalization';
import { OpsContext, ReplayService } from '@hub/ops';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { activeSchema, countIn, kommune, openOps, orientering, overview, post, testPatient } from './ops-support';

/**
 * Replay (issue #6): after a mapping change, replaying a kommune's raw topic writes corrected
 * events that replace the facts in the read models, with no duplicate rows; an interrupted
 * replay resumes from its stored per-partition progress.
 */
describe('ops: replay a kommune after a mapping change', () => {
  const k = kommune('9911', 'Replayvik', 8811001);
  const patients = Array.from({ length: 8 }, (_, i) => testPatient(i + 1));
  let hub: HubHarness;
  let ops: OpsContext;

  beforeAll(async () => {
    hub = await startHub([k]);
    ops = await openOps();
  });
  afterAll(async () => {
    await ops?.close();
    await hub?.close();
  });

  it('replaces the facts with the corrected mapping, without duplicates, and resumes after an interruption', async () => {
    const gateway = await hub.token({ client: 'gw', scopes: ['messages:write'], kommuner: [k.kommunenummer] });
    const reader = await hub.token({ client: 'reader', scopes: ['patients:read'], kommuner: [k.kommunenummer] });
    for (const p of patients) {
      const m = orientering(k, p, [
        { iplosCode: '15', description: 'Dusj', startDate: '2024-01-03' },
        { iplosCode: '6', description: 'Trygghetsalarm', startDate: '2024-02-01' },
      ]);
      expect(await post(hub, gateway, m.body)).toBe(202);
    }
    const schema = await activeSchema();
    await eventually(async () => ((await countIn(schema, 'service_facts', k.kommunenummer)) === 16 ? true : undefined), 60000);
    const before = await overview(hub.baseUrl, reader, k.kommunenummer, patients[0].fnr);
    expect(before.services?.map((s) => s.description).sort()).toEqual(['Dusj', 'Trygghetsalarm']);

    // The "mapping fix": descriptions gain a suffix (any change of what a message yields will do).
    const fixed: RawMapping = (raw, key) => {
      const event = currentMapping(raw, key);
      return { ...event, services: event.services.map((s) => ({ ...s, description: `${s.description} (korrigert)` })) };
    };

    // First run: stop after the first batch, as Ctrl-C would.
    const controller = new AbortController();
    const first = await new ReplayService(ops).replay({
      kommunenummer: k.kommunenummer,
      from: { kind: 'beginning' },
      mapping: fixed,
      signal: controller.signal,
      progress: { setTotal: () => undefined, tick: () => controller.abort() },
    });
    expect(first.records).toBeGreaterThan(0);
    // Eight patients' records spread over the three partitions (keys are fixed pseudonyms), so one batch is not all.
    expect(first.completed).toBe(false);
    expect(first.records).toBeLessThan(patients.length);
    const resumed = await new ReplayService(ops).replay({ kommunenummer: k.kommunenummer, resume: true, mapping: fixed });
    expect(resumed.completed).toBe(true);
    expect(resumed.runId).toBe(first.runId);
    const total = first.records + resumed.records;
    // Every raw record replayed exactly once across the two runs.
    expect(total).toBe(patients.length);
    await expect(new ReplayService(ops).replay({ kommunenummer: k.kommunenummer, resume: true })).rejects.toThrow(/No unfinished replay/);

    for (const p of patients) {
      await eventually(async () => {
        const answer = await overview(hub.baseUrl, reader, k.kommunenummer, p.fnr);
        const descriptions = answer.services?.map((s) => s.description).sort();
        return JSON.stringify(descriptions) === JSON.stringify(['Dusj (korrigert)', 'Trygghetsalarm (korrigert)']) ? true : undefined;
      }, 60000);
    }
    // Same rows, corrected content: one version per message, two service facts per message.
    expect(await countIn(schema, 'message_versions', k.kommunenummer)).toBe(patients.length);
    expect(await countIn(schema, 'service_facts', k.kommunenummer)).toBe(16);
    // The event topic holds both the original and the corrected events (append-only).
    const admin = await ops.kafka.admin();
    try {
      const end = (await admin.endOffsetsOf([ops.topics.events(k.kommunenummer)])).reduce((n, o) => n + Number(o.offset), 0);
      expect(end).toBe(2 * patients.length);
    } finally {
      await admin.disconnect();
    }
  });
});
