import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { mintDevToken } from '@hub/auth';
import { AvroCodec, DeadLetterRecord, patientPseudonym, RawMessageRecord, TopicNames } from '@hub/contracts';
import { buildMessage, fnr } from '@hub/testing';
import { AppProcess, freePort, startAppProcess } from '../support/app-process';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_NAMESPACE, TEST_REGISTRY_URL } from '../support/test-env';
import { ALL_DEMO_KOMMUNER, demoKommuner, liveFactsOf, postMessage, readAppRec, readOverview, readTopic, topicRecordCount } from './intake-support';

/**
 * Issue #3, "Normalizer guarantees", against the real stack:
 *  - a record that cannot be normalized goes to the kommune's dead-letter topic with its reason
 *    and the raw record, and the partition moves on;
 *  - a kommune added to the directory file is served without a restart;
 *  - exactly-once EFFECT: the normalizer is at-least-once into the events topic with a
 *    deterministic event id (UUIDv5 of kommune and MsgId), and the projector upserts by MsgId in
 *    the same transaction as its offsets. Proven by SIGKILLing a normalizer process while a few
 *    hundred messages flow: every MsgId ends up exactly once in the read model with its facts
 *    once, and any duplicates on the events topic carry the same event id.
 */
const ALVDAL = '3428';
const PSEUDONYM_KEY = 'test-pseudonym-key-0123456789';

describe('normalizer: dead letters and directory hot reload (in-process hub)', () => {
  let hub: HubHarness;
  let gateway: string;
  let reader: string;

  beforeAll(async () => {
    hub = await startHub(demoKommuner());
    gateway = await hub.token({ client: 'gateway-normalizer', scopes: ['messages:write'], kommuner: ['*'] });
    reader = await hub.token({ client: 'normalizer-reader', scopes: ['patients:read'], kommuner: ['*'] });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('a raw record that cannot be normalized goes to the dead-letter topic with reason and raw record; the next record on the partition is projected', async () => {
    const codec = new AvroCodec(TEST_REGISTRY_URL, new TopicNames(TEST_NAMESPACE));
    const patientFnr = fnr('1939-09-09', 91);
    // Same key as the good message below, so both land on the same partition, bad one first.
    const key = patientPseudonym(PSEUDONYM_KEY, ALVDAL, 'FNR', patientFnr);
    const payload = Buffer.from('dette er ikke XML', 'utf8');
    const badMsgId = randomUUID();
    const raw: RawMessageRecord = {
      hubMessageId: randomUUID(), kommunenummer: ALVDAL, receivedAt: Date.now(), gatewayClient: 'dlq-test', msgId: badMsgId, msgType: 'ORIENTERING_TJENESTETILBUD',
      standard: 'PLO', standardVersion: '1.6', senderHerIds: ['99387'], receiverHerIds: [], patientPseudonym: key, contentType: 'application/xml',
      declaredEncoding: null, sha256: createHash('sha256').update(payload).digest('hex'), sizeBytes: payload.length, payload, transport: null,
    };
    const topic = `${TEST_NAMESPACE}.kommune.${ALVDAL}.raw.v1`;
    const value = await codec.encode(topic, raw);
    const kafka = new Kafka({ clientId: 'hltest-dlq', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key, value, headers: { 'hub-correlation-id': badMsgId } }] });
    } finally {
      await producer.disconnect();
    }

    const goodMsgId = randomUUID();
    const posted = await postMessage(hub, gateway, buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId: goodMsgId, patient: { familyName: 'Etter', givenName: 'Feil', birthDate: '1939-09-09', fnr: patientFnr }, services: [{ iplosCode: '15', startDate: '2024-01-01' }] }));
    expect(posted.status).toBe(202);

    const dlqTopic = `${TEST_NAMESPACE}.kommune.${ALVDAL}.deadletter.v1`;
    const letters = await readTopic(dlqTopic, (rs) => rs.length > 0, 30000);
    const decoded = await Promise.all(letters.map((l) => codec.decode<DeadLetterRecord>(l.value!)));
    const mine = decoded.filter((d) => Buffer.compare(d.originalValue, value) === 0);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kommunenummer: ALVDAL, sourceTopic: topic, stage: 'normalizer', errorCode: 'MESSAGE.NOT_WELL_FORMED', originalKey: key });
    expect(mine[0].reason.length).toBeGreaterThan(5);
    // The reason names no content (the payload text is not echoed).
    expect(mine[0].reason).not.toContain('ikke XML');

    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return liveFactsOf(o, goodMsgId).services.join() === '15' ? true : undefined;
    }, 30000);
  });

  it('a kommune added to the directory file is served without a restart', async () => {
    const newKommune = { kommunenummer: '9934', navn: 'Nyvik', herIds: ['8834001', '8834002'] };
    const patientFnr = fnr('1941-01-01', 93);
    const msgId = randomUUID();
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId,
      sender: { organisation: [{ name: 'Nyvik kommune', herId: '8834001' }, { name: 'Tildeling', herId: '8834002' }] },
      receiver: { organisation: [{ name: 'Nyvik legekontor', herId: '8834100' }] },
      patient: { familyName: 'Ny', givenName: 'Kommune', birthDate: '1941-01-01', fnr: patientFnr },
      services: [{ iplosCode: '5', startDate: '2024-02-01' }],
    });
    const before = await postMessage(hub, gateway, body);
    expect(before.status).toBe(422);
    expect(readAppRec(before.body).errors).toEqual(['E21']);

    hub.writeDirectory([...demoKommuner(), newKommune]);
    const accepted = await eventually(async () => {
      const r = await postMessage(hub, gateway, body);
      return r.status === 202 ? r : undefined;
    }, 30000, 500);
    expect(readAppRec(accepted.body)).toMatchObject({ status: '1', originalMsgId: msgId });
    await eventually(async () => {
      const o = await readOverview(hub, reader, newKommune.kommunenummer, patientFnr);
      return liveFactsOf(o, msgId).services.join() === '5' ? true : undefined;
    }, 60000);
  });
});

describe('normalizer: exactly-once effect across a SIGKILL mid-flow (app processes)', () => {
  const MESSAGES = Number(process.env.HLTEST_CRASH_MESSAGES ?? 300);
  const procs: AppProcess[] = [];
  let env: Record<string, string>;
  let keyFile: string;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-crash-'));
    const directoryPath = join(dir, 'directory.yaml');
    keyFile = join(dir, 'dev-issuer-key.json');
    writeFileSync(directoryPath, `kommuner:\n${demoKommuner().map((k) => `  - kommunenummer: "${k.kommunenummer}"\n    navn: ${k.navn}\n    herIds: [${k.herIds.join(', ')}]\n`).join('')}`);
    env = {
      NODE_ENV: 'test', DATABASE_URL: TEST_DATABASE_URL, KAFKA_BROKERS: TEST_KAFKA_BROKERS, SCHEMA_REGISTRY_URL: TEST_REGISTRY_URL,
      HENDELSESLAGER_NAMESPACE: TEST_NAMESPACE, HENDELSESLAGER_DIRECTORY: directoryPath, HENDELSESLAGER_DEV_ISSUER: 'true',
      HENDELSESLAGER_DEV_ISSUER_KEY: keyFile, HENDELSESLAGER_PSEUDONYM_KEY: PSEUDONYM_KEY, LOG_LEVEL: 'warn', LOG_JSON: 'true',
    };
  });
  afterAll(async () => {
    for (const p of procs) await p.kill().catch(() => undefined);
  });

  it(`${MESSAGES} messages, normalizer killed with SIGKILL while they flow and restarted: each MsgId exactly once in the read model`, async () => {
    await mintDevToken(keyFile, { client: 'warmup', scopes: ['messages:write'], kommuner: [ALVDAL], audience: 'hendelseslager' });
    const intake = await startAppProcess('intake', env, await freePort());
    procs.push(intake);
    const projector = await startAppProcess('projector', env, await freePort());
    procs.push(projector);
    let normalizer = await startAppProcess('normalizer', env, await freePort());
    procs.push(normalizer);
    const token = await mintDevToken(keyFile, { client: 'gateway-crash', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER(), audience: 'hendelseslager' });

    const msgIds: string[] = [];
    const patients = Array.from({ length: 30 }, (_, i) => fnr('1930-01-01', 100 + i));
    const bodies = Array.from({ length: MESSAGES }, (_, i) => {
      const msgId = randomUUID();
      msgIds.push(msgId);
      return buildMessage({
        kind: i % 3 === 0 ? 'INNLEGGELSESRAPPORT' : 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId,
        patient: { familyName: 'Krasj', givenName: `Nr${i % 30}`, birthDate: '1930-01-01', fnr: patients[i % 30] },
        services: [{ iplosCode: String(1 + (i % 20)), startDate: '2024-01-01' }],
        diagnoses: i % 3 === 0 ? [{ system: 'ICD10', code: 'I10', isMain: true }] : undefined,
      });
    });

    const started = Date.now();
    const eventsTopic = `${TEST_NAMESPACE}.kommune.${ALVDAL}.events.v1`;
    const eventsBefore = await topicRecordCount(eventsTopic).catch(() => 0);
    let next = 0;
    let killedAt = -1;
    const post = async () => {
      while (next < bodies.length) {
        const i = next++;
        const r = await postMessage(`http://127.0.0.1:${intake.port}`, token, bodies[i]);
        if (r.status !== 202) throw new Error(`message ${i} answered ${r.status}`);
      }
    };
    const killer = (async () => {
      // Kill once the normalizer is visibly busy: some events written, many raw records still to go.
      await eventually(async () => ((await topicRecordCount(eventsTopic)) - eventsBefore >= MESSAGES / 5 ? true : undefined), 120000, 50);
      killedAt = (await topicRecordCount(eventsTopic)) - eventsBefore;
      await normalizer.kill();
      await new Promise((r) => setTimeout(r, 1000));
      normalizer = await startAppProcess('normalizer', env, await freePort());
      procs.push(normalizer);
    })();
    await Promise.all([post(), post(), post(), post(), killer]);
    const postedMs = Date.now() - started;

    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const schema = (await db.query(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`)).rows[0]?.active_schema ?? 'readmodel_g1';
      const counts = await eventually(async () => {
        const { rows } = await db.query(`SELECT msg_id, count(*)::int AS n FROM ${schema}.message_versions WHERE kommunenummer = $1 AND msg_id = ANY($2) GROUP BY msg_id`, [ALVDAL, msgIds]);
        return rows.length === MESSAGES ? (rows as Array<{ msg_id: string; n: number }>) : undefined;
      }, 180000, 500);
      const doneMs = Date.now() - started;
      expect(counts.every((r) => r.n === 1)).toBe(true);
      // Facts once: one service per message, one diagnosis per Innleggelsesrapport.
      const services = await db.query(`SELECT msg_id, count(*)::int AS n FROM ${schema}.service_facts WHERE kommunenummer = $1 AND msg_id = ANY($2) GROUP BY msg_id`, [ALVDAL, msgIds]);
      expect(services.rows).toHaveLength(MESSAGES);
      expect(services.rows.every((r: { n: number }) => r.n === 1)).toBe(true);
      const diagnoses = await db.query(`SELECT count(*)::int AS n FROM ${schema}.diagnosis_facts WHERE kommunenummer = $1 AND msg_id = ANY($2)`, [ALVDAL, msgIds]);
      expect(diagnoses.rows[0].n).toBe(Math.ceil(MESSAGES / 3));

      // The events topic may hold a MsgId twice (redelivery after the kill); both copies carry the same event id.
      const records = await readTopic(eventsTopic, (rs) => new Set(rs.map((r) => r.headers['hub-correlation-id'])).size >= msgIds.length, 60000);
      const mine = records.filter((r) => msgIds.includes(r.headers['hub-correlation-id']));
      const byMsg = new Map<string, Set<string>>();
      for (const r of mine) {
        const id = r.headers['hub-correlation-id'];
        if (!byMsg.has(id)) byMsg.set(id, new Set());
        byMsg.get(id)!.add(r.headers['hub-event-id']);
      }
      expect(byMsg.size).toBe(MESSAGES);
      for (const ids of byMsg.values()) expect(ids.size).toBe(1);
      const duplicates = mine.length - MESSAGES;
      // eslint-disable-next-line no-console -- figures for the issue note
      console.log(`crash drill: ${MESSAGES} messages posted in ${postedMs} ms, all projected after ${doneMs} ms; normalizer killed after ${killedAt} events; ${duplicates} duplicate event records on the events topic, 0 duplicate rows`);
    } finally {
      await db.end();
    }
  });
});
