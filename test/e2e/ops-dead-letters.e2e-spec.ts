import { patientPseudonym, RawMessageRecord, sha256Hex, uuidV5 } from '@hub/contracts';
import { currentMapping, RawMapping } from '@hub/normalization';
import { DeadLetterService, OpsContext, StatusService } from '@hub/ops';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { kommune, openOps, orientering, overview, testPatient } from './ops-support';

/**
 * Dead letters (issue #6): a raw record the normalizer cannot map is visible with its reason;
 * a redrive with the mapping still broken is recorded as failed; once the mapping is fixed the
 * redrive writes the event and the message appears in the read models.
 */
describe('ops: dead letters are visible with their reason and can be redriven', () => {
  const k = kommune('9912', 'Feilvik', 8812001);
  const PREFIX = Buffer.from('%%% transport junk before the XML declaration %%%\n');
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

  it('lists a forced dead letter with its reason, and after a fixed redrive the message is in the read models', async () => {
    const topic = ops.topics.raw(k.kommunenummer);
    const admin = await ops.kafka.admin();
    try {
      // The hub provisions the directory's kommuner at start.
      await eventually(async () => ((await admin.listTopics()).includes(topic) ? true : undefined), 30000);
    } finally {
      await admin.disconnect();
    }
    const patient = testPatient(21);
    const message = orientering(k, patient, [{ iplosCode: '15', description: 'Dusj', startDate: '2024-01-03' }]);
    // A raw record as a broken gateway might have delivered it: bytes before the XML declaration.
    const payload = Buffer.concat([PREFIX, message.body]);
    const pseudonym = patientPseudonym('test-pseudonym-key-0123456789', k.kommunenummer, 'FNR', patient.fnr);
    const raw: RawMessageRecord = {
      hubMessageId: uuidV5(`${k.kommunenummer}|${message.msgId}|${sha256Hex(payload)}`),
      kommunenummer: k.kommunenummer,
      receivedAt: Date.now(),
      gatewayClient: 'broken-gateway',
      msgId: message.msgId,
      msgType: 'ORIENTERING_TJENESTETILBUD',
      standard: 'PLO',
      standardVersion: '1.6',
      senderHerIds: [k.herIds[0]],
      receiverHerIds: [],
      patientPseudonym: pseudonym,
      contentType: 'application/xml',
      declaredEncoding: 'UTF-8',
      sha256: sha256Hex(payload),
      sizeBytes: payload.length,
      payload,
      transport: null,
    };
    const producer = await ops.producer();
    await producer.send(topic, [{ key: pseudonym, value: await ops.codec.encode(topic, raw) }]);

    const dlq = new DeadLetterService(ops);
    const letter = await eventually(async () => (await dlq.list(k.kommunenummer)).find((l) => l.sourceTopic === topic), 60000);
    expect(letter).toMatchObject({ stage: 'normalizer', status: 'pending', kommunenummer: k.kommunenummer, redrive: null });
    expect(letter.errorCode).not.toBe('');
    expect(letter.reason.length).toBeGreaterThan(5);
    expect(letter.reason).not.toContain(patient.fnr);
    const shown = await dlq.show(k.kommunenummer, letter.deadLetterId);
    expect(shown.raw).toMatchObject({ msgId: message.msgId, msgType: 'ORIENTERING_TJENESTETILBUD', sizeBytes: payload.length });

    // Redrive with the mapping still broken: recorded as failed, nothing written.
    const failed = await dlq.redrive(k.kommunenummer, [letter.deadLetterId]);
    expect(failed).toEqual([expect.objectContaining({ deadLetterId: letter.deadLetterId, outcome: 'failed' })]);
    expect((await dlq.list(k.kommunenummer, { status: 'redrive-failed' })).map((l) => l.deadLetterId)).toEqual([letter.deadLetterId]);
    // status counts the dead letter, and a failed redrive as none redriven.
    const statusOf = async () => (await new StatusService(ops).status()).kommuner.find((s) => s.kommunenummer === k.kommunenummer)!;
    expect(await statusOf()).toMatchObject({ deadLetters: 1, deadLettersRedriven: 0 });

    // The fix (here: a parser that skips bytes before the XML declaration), then redrive all pending and failed.
    const fixed: RawMapping = (r, key) => currentMapping({ ...r, payload: r.payload.subarray(r.payload.indexOf('<?xml')) }, key);
    const redriven = await dlq.redrive(k.kommunenummer, [], { mapping: fixed });
    expect(redriven).toEqual([{ deadLetterId: letter.deadLetterId, outcome: 'redriven', eventId: uuidV5(`${k.kommunenummer}|${message.msgId}|document-event`), detail: null }]);

    const reader = await hub.token({ client: 'reader', scopes: ['patients:read'], kommuner: [k.kommunenummer] });
    const answer = await eventually(async () => {
      const a = await overview(hub.baseUrl, reader, k.kommunenummer, patient.fnr);
      return a.services?.length === 1 ? a : undefined;
    }, 60000);
    expect(answer.services![0]).toMatchObject({ iplosCode: '15', description: 'Dusj' });
    const after = await dlq.list(k.kommunenummer);
    expect(after).toEqual([expect.objectContaining({ deadLetterId: letter.deadLetterId, status: 'redriven' })]);
    // Nothing left to redrive.
    expect(await dlq.redrive(k.kommunenummer, [])).toEqual([]);
    expect(await statusOf()).toMatchObject({ deadLetters: 1, deadLettersRedriven: 1 });
  });
});
