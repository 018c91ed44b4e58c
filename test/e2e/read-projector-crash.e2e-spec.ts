import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { AvroCodec, DocumentEvent, RawMessageRecord, sha256Hex, TopicNames, uuidV5 } from '@hub/contracts';
import { parseMessage } from '@hub/messages';
import { toDocumentEvent } from '@hub/normalization';
import { createDataSource, ProjectionStateRepository, READ_MODEL_PROJECTION, readModelDdl, ReadModelWriteRepository } from '@hub/persistence';
import { ReadModelProjector } from '@hub/projections';
import { buildMessage, createRng, randomMessage, type RandomMessage } from '@hub/testing';
import { AppProcess, freePort, startAppProcess } from '../support/app-process';
import { eventually } from '../support/hub-harness';
import { isolatedTestEnv, TEST_KAFKA_BROKERS, TEST_REGISTRY_URL } from '../support/test-env';

const KOMMUNE = '9944';
const PSEUDONYM_KEY = 'test-pseudonym-key-0123456789';
const MESSAGES = Number(process.env.CRASH_TEST_MESSAGES ?? 3000);
const KILLS = Number(process.env.CRASH_TEST_KILLS ?? 5);

/**
 * The projector's crash safety, with a real process and SIGKILL: three thousand document
 * events (random messages from libs/testing, with real M/C chains, some arriving before their
 * original) are on the event topic; the compiled projector app is killed at random moments
 * while it projects them and restarted each time. Afterwards the live read model must be
 * identical, table by table (checksum over every row), to a clean projection of the same
 * events into a fresh generation schema. Needs `npm run build` (tools/test.sh does it).
 */
describe('Projector crash safety (kill -9 mid-load)', () => {
  let dataSource: DataSource;
  let projector: AppProcess | undefined;
  // Its own database and namespace: the checksums cover whole tables, so rows other test files
  // wrote into a shared live generation (whatever order the files run in) must not be there.
  let databaseUrl: string;
  let namespace: string;
  let topics: TopicNames;
  const topic = () => topics.events(KOMMUNE);

  beforeAll(async () => {
    ({ databaseUrl, namespace } = await isolatedTestEnv('crash'));
    topics = new TopicNames(namespace);
    dataSource = createDataSource(databaseUrl, { poolSize: 4 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await projector?.kill();
    await dataSource?.destroy();
  });

  it('ends with read models identical to a clean projection of the same events', async () => {
    const events = makeEvents(MESSAGES);
    const kafka = new Kafka({ clientId: 'hltest-crash', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // Six partitions: a restarted projector takes a whole partition's backlog as one batch (one
    // transaction), so more partitions give more moments at which a kill lands mid-load.
    await admin.createTopics({ topics: [{ topic: topic(), numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
    const codec = new AvroCodec(TEST_REGISTRY_URL, topics);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      const messages = await Promise.all(chunk.map(async (e) => ({ key: e.envelope.patientPseudonym ?? e.document.msgId, value: await codec.encode(topic(), e) })));
      await producer.send({ topic: topic(), acks: -1, messages });
    }
    await producer.disconnect();
    const highWater = new Map((await admin.fetchTopicOffsets(topic())).map((p) => [p.partition, BigInt(p.high)]));
    await admin.disconnect();
    const total = [...highWater.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBe(BigInt(events.length));

    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    const directory = join(dir, 'directory.yaml');
    writeFileSync(directory, `kommuner:\n  - kommunenummer: "${KOMMUNE}"\n    navn: Krasjvik\n    herIds: [8844001]\n`);
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: TEST_REGISTRY_URL,
      HENDELSESLAGER_NAMESPACE: namespace,
      HENDELSESLAGER_DIRECTORY: directory,
      HENDELSESLAGER_DEV_ISSUER: 'true',
      HENDELSESLAGER_DEV_ISSUER_KEY: join(dir, 'key.json'),
      HENDELSESLAGER_PSEUDONYM_KEY: PSEUDONYM_KEY,
      LOG_LEVEL: 'warn',
      // Small fetches, so the projector commits many small transactions and a kill lands between
      // them whichever Kafka client is used (with the default a restarted projector may take a
      // partition's whole backlog, or two, in one transaction).
      KAFKA_FETCH_MAX_BYTES: String(64 * 1024),
    };
    const port = await freePort();
    const state = new ProjectionStateRepository(dataSource);
    const liveSchema = await state.activeSchema(READ_MODEL_PROJECTION);
    const applied = async () => (await state.offsets(liveSchema, [topic()])).reduce((sum, o) => sum + BigInt(o.offset), 0n);

    // Kill at random moments while the projector is working; count the kills that hit mid-load.
    const progressAtKill: bigint[] = [];
    // A kill after everything is applied proves nothing, so the drill stops killing once done. A
    // restarted projector may apply several partitions' backlogs in one transaction, so a kill is
    // not sure to land mid-load: it keeps starting and killing (at most twice KILLS times) until
    // KILLS kills landed mid-load.
    const midLoad = () => progressAtKill.filter((p) => p > 0n && p < total).length;
    for (let start = 0; start < 2 * KILLS && midLoad() < KILLS && (await applied()) < total; start++) {
      projector = await startAppProcess('projector', env, port);
      const before = await applied();
      // Wait until this run has made progress (it first has to rejoin the group), then a random extra moment.
      await eventually(async () => ((await applied()) > before || before === total ? true : undefined), 90000, 50);
      await new Promise((r) => setTimeout(r, randomInt(0, 100)));
      await projector.kill();
      progressAtKill.push(await applied());
    }
    projector = await startAppProcess('projector', env, port);
    await eventually(async () => ((await applied()) === total ? true : undefined), 180000, 250);
    await projector.stop();
    projector = undefined;
    const midLoadKills = midLoad();
    process.stdout.write(`crash test: ${events.length} events, offsets applied at each kill: ${progressAtKill.join(', ')} of ${total}\n`);
    expect(midLoadKills).toBeGreaterThanOrEqual(4);

    // A clean projection of the same events, read back from the topic in partition order.
    const cleanSchema = `readmodel_g${900000 + randomInt(99999)}`;
    for (const statement of readModelDdl(cleanSchema)) await dataSource.query(statement);
    try {
      await projectCleanly(kafka, topics, codec, dataSource, cleanSchema, highWater);
      const live = await checksums(dataSource, liveSchema);
      const clean = await checksums(dataSource, cleanSchema);
      expect(live.rows.message_versions).toBe(events.length);
      expect(live.rows.service_facts + live.rows.diagnosis_facts).toBeGreaterThan(1000);
      expect(live).toEqual(clean);
    } finally {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${cleanSchema}" CASCADE`);
    }
  }, 420000); // six process starts and group joins; slow when the machine is busy
});

/**
 * Document events for `count` random messages. About one in eight is a change or cancellation
 * of an earlier message in the set (same patient, same document), and the order is shuffled so
 * some arrive before their original.
 */
function makeEvents(count: number): DocumentEvent[] {
  const rng = createRng(20261123);
  const messages: RandomMessage[] = [];
  while (messages.length < count) {
    const previous = messages.length > 10 && rng.next() < 0.125 ? messages[Math.floor(rng.next() * messages.length)] : undefined;
    if (previous && previous.options.refToParent === undefined && previous.options.kind !== 'EPIKRISE' && !previous.options.kind.startsWith('HENVISNING') && !previous.options.kind.startsWith('DIALOG')) {
      const msgId = uuidV5(`crash-test|${messages.length}`);
      const options = { ...previous.options, msgId, status: rng.next() < 0.5 ? ('M' as const) : ('C' as const), refToParent: previous.options.msgId, genDate: previous.options.genDate!.replace(/^(\d{4})/, (y) => String(Number(y) + 1)) };
      try {
        messages.push({ options, bytes: buildMessage(options) });
      } catch {
        // Not every message type allows a change (M); those become a cancellation.
        messages.push({ options: { ...options, status: 'C' }, bytes: buildMessage({ ...options, status: 'C' }) });
      }
    } else {
      messages.push(randomMessage(rng, { attachmentShare: 0 }));
    }
  }
  for (let i = messages.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [messages[i], messages[j]] = [messages[j], messages[i]];
  }
  return messages.map((m, i) => {
    const parsed = parseMessage(m.bytes);
    const sha256 = sha256Hex(m.bytes);
    const raw: RawMessageRecord = {
      hubMessageId: uuidV5(`${KOMMUNE}|${parsed.msgId}|${sha256}`), kommunenummer: KOMMUNE, receivedAt: Date.UTC(2026, 0, 1) + i * 1000, gatewayClient: 'crash-test',
      msgId: parsed.msgId, msgType: parsed.msgType, standard: parsed.standard, standardVersion: parsed.standardVersion, senderHerIds: [], receiverHerIds: [],
      patientPseudonym: null, contentType: 'application/xml', declaredEncoding: null, sha256, sizeBytes: m.bytes.length, payload: m.bytes, transport: null,
    };
    return toDocumentEvent(parsed, raw, PSEUDONYM_KEY);
  });
}

/** Applies every event of the topic, partition by partition in offset order, as the projector does. */
async function projectCleanly(kafka: Kafka, topics: TopicNames, codec: AvroCodec, dataSource: DataSource, schema: string, highWater: Map<number, bigint>): Promise<void> {
  const consumer = kafka.consumer({ groupId: `${topics.namespace}.crash-clean.${randomInt(1e9)}` });
  const byPartition = new Map<number, Array<{ offset: string; value: Buffer }>>();
  let seen = 0n;
  const total = [...highWater.values()].reduce((a, b) => a + b, 0n);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topics.events(KOMMUNE)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!byPartition.has(partition)) byPartition.set(partition, []);
        byPartition.get(partition)!.push({ offset: message.offset, value: message.value! });
        seen += 1n;
      },
    });
    await eventually(async () => (seen >= total ? true : undefined), 120000, 200);
  } finally {
    await consumer.disconnect();
  }
  const projector = new ReadModelProjector();
  const topic = topics.events(KOMMUNE);
  for (const [partition, records] of byPartition) {
    records.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    for (let i = 0; i < records.length; i += 100) {
      const batch = records.slice(i, i + 100);
      const decoded = await Promise.all(batch.map(async (r) => ({ offset: r.offset, event: await codec.decode<DocumentEvent>(r.value) })));
      await dataSource.transaction(async (manager) => {
        const tx = new ReadModelWriteRepository(manager, schema);
        for (const d of decoded) await projector.apply(tx, d.event, { topic, partition, offset: d.offset });
        await tx.saveOffset(topic, partition, (BigInt(batch.at(-1)!.offset) + 1n).toString());
        await tx.flush();
      });
    }
  }
}

/** Row count and an md5 over every row (in a canonical order) of each read-model table. */
async function checksums(dataSource: DataSource, schema: string): Promise<{ rows: Record<string, number>; md5: Record<string, string> }> {
  const tables: Array<{ table_name: string }> = await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
  const rows: Record<string, number> = {};
  const md5: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    // updated_at is wall-clock bookkeeping of the offsets row, not projected state.
    const projection = table === 'projection_offsets' ? '(t.topic, t.partition, t.next_offset)' : 't';
    const [result] = await dataSource.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(${projection}::text, E'\\n' ORDER BY ${projection}::text), '')) AS h FROM "${schema}"."${table}" t`,
    );
    rows[table] = result.n;
    md5[table] = result.h;
  }
  return { rows, md5 };
}
