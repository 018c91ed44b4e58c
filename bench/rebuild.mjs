// Read-model rebuild benchmark (issue #6): how long `hendelseslager rebuild` takes for N events.
//
//   npm run build && node bench/rebuild.mjs [--events 1000000] [--kommuner 1] [--parallel 2]
//
// Events are generated efficiently instead of going through intake: a few hundred messages from
// the project's own builder are parsed and mapped once (the real normalizer mapping), then cloned
// into N distinct document versions (new MsgIds and event ids, patients spread so each has about
// ten documents; about 10 % are changes and 2 % cancellations of an earlier document), Avro-encoded with the registry codec and produced in batches straight to the
// events topic of a bench namespace. Then RebuildService rebuilds the read model from offset
// zero into a new generation and switches, exactly as the CLI does, and the rate is printed.
// Uses its own namespace and database (hlbench-rebuild, hendelseslager_bench_rebuild).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { BENCH, dist, messageMix, stackCpuSeconds, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', Number(process.env.BENCH_REBUILD_EVENTS ?? 1000000));
const KOMMUNER = arg('kommuner', 1);
const PARALLEL = arg('parallel', 2);
const NAMESPACE = 'hlbench-rebuild';
const DATABASE = 'hendelseslager_bench_rebuild';
const DB_URL = `postgres://postgres@${BENCH.postgres}/${DATABASE}`;
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const KEY = 'bench-pseudonym-key-0123456789';
const log = (m) => process.stderr.write(`[rebuild-bench] ${m}\n`);

const contracts = dist('contracts');
const kafkaLib = dist('kafka');
const persistence = dist('persistence');
const ops = dist('ops');
const messages = dist('messages');
const normalization = dist('normalization');
const config = dist('config');

async function reset() {
  const { Client } = require('pg');
  const admin = new Client({ connectionString: `postgres://postgres@${BENCH.postgres}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  await persistence.runMigrations(DB_URL);
  const { Kafka, logLevel } = require('kafkajs');
  const kafkaAdmin = new Kafka({ clientId: 'bench-rebuild-reset', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  const groups = (await kafkaAdmin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${NAMESPACE}.`));
  if (groups.length) await kafkaAdmin.deleteGroups(groups).catch(() => undefined);
  const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(`${NAMESPACE}.`));
  if (topics.length) await kafkaAdmin.deleteTopics({ topics, timeout: 60000 });
  await kafkaAdmin.disconnect();
  const subjects = (await (await fetch(`${REGISTRY}/subjects`)).json()).filter((s) => s.startsWith(`${NAMESPACE}.`));
  for (const s of subjects) {
    await fetch(`${REGISTRY}/subjects/${encodeURIComponent(s)}`, { method: 'DELETE' });
    await fetch(`${REGISTRY}/subjects/${encodeURIComponent(s)}?permanent=true`, { method: 'DELETE' });
  }
}

/** Real events from the builder's message mix, mapped once by the normalizer's mapping. */
function templates(knr) {
  const out = [];
  for (const bytes of messageMix(400, 11)) {
    try {
      const parsed = messages.parseMessage(bytes);
      const raw = { hubMessageId: randomUUID(), kommunenummer: knr, receivedAt: Date.now(), payload: bytes };
      const event = normalization.toDocumentEvent(parsed, raw, KEY);
      if (event.patient) out.push(event);
    } catch {
      // messages the mapping refuses are dead letters, not events
    }
  }
  return out;
}

async function produce(kafka, codec, knr, count) {
  const topic = TOPICS.events(knr);
  const base = templates(knr);
  const patients = Math.max(1, Math.floor(count / 10));
  const producer = await kafka.producer();
  const started = Date.now();
  const batchSize = 2000;
  const recent = Array.from({ length: 500 }, () => undefined);
  for (let i = 0; i < count; i += batchSize) {
    const records = [];
    for (let j = i; j < Math.min(count, i + batchSize); j++) {
      const t = base[j % base.length];
      const msgId = randomUUID();
      // About one in ten is a change (M) and one in fifty a cancellation (C) of an earlier
      // document of the same patient, as in the message mix; the rest start documents (N).
      const roll = j % 50;
      const parent = j >= 100 && (roll % 10 === 9 || roll === 24) ? recent[(j * 7) % recent.length] : undefined;
      const status = parent ? (roll === 24 ? 'C' : 'M') : 'N';
      const pseudonym = parent?.pseudonym ?? `bench-patient-${knr}-${j % patients}`;
      const event = {
        ...t,
        envelope: { ...t.envelope, eventId: contracts.uuidV5(`${knr}|${msgId}|document-event`), eventType: status === 'N' ? 'DOCUMENT_RECEIVED' : status === 'M' ? 'DOCUMENT_REPLACED' : 'DOCUMENT_CANCELLED', correlationId: msgId, patientPseudonym: pseudonym },
        document: { ...t.document, msgId, status, refToParent: parent?.msgId ?? null, refToConversation: null, explicitDocumentId: null },
        patient: { ...t.patient, pseudonym, linkedPseudonyms: [] },
      };
      if (status === 'N') {
        recent[j % recent.length] = { msgId, pseudonym };
      }
      records.push({ key: pseudonym, value: await codec.encode(topic, event) });
    }
    await producer.send(topic, records);
    if ((i / batchSize) % 25 === 0) log(`produced ${Math.min(count, i + batchSize)}/${count} events to ${topic}`);
  }
  await producer.disconnect();
  return { seconds: (Date.now() - started) / 1000, templates: base.length };
}

await reset();
const hubConfig = config.loadHubConfig({
  NODE_ENV: 'benchmark', DATABASE_URL: DB_URL, KAFKA_BROKERS: BROKERS, SCHEMA_REGISTRY_URL: REGISTRY, HENDELSESLAGER_NAMESPACE: NAMESPACE,
  HENDELSESLAGER_DEV_ISSUER: 'true', HENDELSESLAGER_PSEUDONYM_KEY: KEY, LOG_LEVEL: 'warn',
  // The rebuild reads through the client the ops CLI would use (KAFKA_CLIENT, as set for this run).
  ...(process.env.KAFKA_CLIENT ? { KAFKA_CLIENT: process.env.KAFKA_CLIENT } : {}),
});
const TOPICS = new contracts.TopicNames(NAMESPACE);
const kafka = new kafkaLib.KafkajsAdapter({ brokers: BROKERS.split(','), clientId: 'bench-rebuild' });
const codec = new contracts.AvroCodec(REGISTRY, TOPICS);
const admin = await kafka.admin();
const kommuner = Array.from({ length: KOMMUNER }, (_, i) => String(9800 + i));
await admin.ensureTopics(kommuner.flatMap((k) => contracts.kommuneTopicSpecs(TOPICS, k, hubConfig)));
await admin.disconnect();
const perKommune = Math.ceil(EVENTS / KOMMUNER);
let generation = 0;
let templateCount = 0;
for (const k of kommuner) {
  const g = await produce(kafka, codec, k, perKommune);
  generation += g.seconds;
  templateCount = g.templates;
}
log(`generated ${perKommune * KOMMUNER} events in ${generation.toFixed(1)} s; rebuilding`);

// BENCH_CPU_PROFILE=file.cpuprofile: a V8 CPU profile of the rebuild phase only (not the event
// generation); summarise it with bench/lib/cpuprofile-summary.mjs.
const profiler = process.env.BENCH_CPU_PROFILE ? await startProfile() : undefined;
const heapProfiler = process.env.BENCH_HEAP_PROFILE ? await startProfile('heap') : undefined;
// As the CLI sizes it (apps/ops-cli rebuild.command.ts).
const ctx = await ops.OpsContext.open(hubConfig, { poolSize: 2 * PARALLEL + 2 });
const statements = recordWrites();
let done = 0;
let total = 0;
/** When the first and the last batch committed (progress ticks once a batch has committed). */
const commits = { first: undefined, last: undefined };
const ticker = setInterval(() => log(`rebuild ${done}/${total}`), 10000);
const started = Date.now();
// CPU over the rebuild phase: this process (all its threads) and the stack's PostgreSQL, steadier
// than the wall-clock rate on a shared machine (the broker is left out: it only serves fetches here).
const cpuBefore = { node: process.cpuUsage(), postgresql: stackCpuSeconds().postgresql };
const result = await new ops.RebuildService(ctx).rebuild({ progress: { setTotal: (t) => (total = t), tick: (n = 1) => { done += n; commits.first ??= Date.now(); commits.last = Date.now(); } }, pollMs: 500, parallel: PARALLEL });
const seconds = (Date.now() - started) / 1000;
const nodeCpu = process.cpuUsage(cpuBefore.node);
const postgresqlCpuSeconds = stackCpuSeconds().postgresql - cpuBefore.postgresql;
clearInterval(ticker);
statements.stop();
if (profiler) await profiler.stop(process.env.BENCH_CPU_PROFILE);
if (heapProfiler) await heapProfiler.stop(process.env.BENCH_HEAP_PROFILE);
const counts = await ctx.dataSource.query(`SELECT count(*)::int AS n FROM "${result.targetSchema}".message_versions`);
// The limits beside it, on the same events and rows in the same run (see measureLimits).
const limits = await measureLimits(ctx, result.targetSchema, statements);
await ctx.close();

const eventsPerSecond = result.applied / seconds;
const summary = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
  events: perKommune * KOMMUNER,
  kommuner: KOMMUNER,
  parallel: PARALLEL,
  templateEvents: templateCount,
  applied: result.applied,
  messageVersionsInNewGeneration: counts[0].n,
  rebuildSeconds: seconds,
  eventsPerSecond: Math.round(eventsPerSecond),
  extrapolatedSecondsFor1M: Math.round(1000000 / eventsPerSecond),
  /** CPU µs per applied event over the rebuild phase: this Node process, and every postgres process on the machine. */
  cpuMicrosecondsPerEvent: {
    node: Math.round((nodeCpu.user + nodeCpu.system) / result.applied),
    postgresql: Math.round((postgresqlCpuSeconds * 1e6) / result.applied),
  },
  measuredNotExtrapolated: perKommune * KOMMUNER >= 1000000,
  /** The rebuild's phases: until the first batch committed, the batches, and after the last one (catch-up check, indexes, switch). */
  phasesSeconds: {
    beforeFirstCommit: (commits.first - started) / 1000,
    batches: (commits.last - commits.first) / 1000,
    afterLastCommit: (started + seconds * 1000 - commits.last) / 1000,
  },
  limits: {
    readAndDecodeSeconds: limits.readSeconds,
    readAndDecodeEventsPerSecond: Math.round(limits.decoded / limits.readSeconds),
    postgresWriteSeconds: limits.writeSeconds,
    postgresWriteEventsPerSecond: Math.round(result.applied / limits.writeSeconds),
    rowsWritten: limits.rows,
    rebuildToPostgresWrite: Number((limits.writeSeconds / seconds).toFixed(2)),
    rebuildToReadAndDecode: Number((limits.readSeconds / seconds).toFixed(2)),
    nodeAloneEventsPerSecond: Math.round(limits.ruled / limits.nodeSeconds),
    nodeAloneCpuMicrosecondsPerEvent: Math.round(limits.nodeCpuMicroseconds / limits.ruled),
    rebuildToNodeAlone: Number((limits.nodeSeconds / seconds).toFixed(2)),
    statementsInRebuildSeconds: Number(statements.seconds.toFixed(3)),
    statementsShareOfRebuild: Number((statements.seconds / seconds).toFixed(2)),
    statementsAloneBatches: limits.replayedBatches,
    statementsAloneSeconds: limits.replaySeconds,
    statementsAloneSecondsByTable: limits.replaySecondsByTable,
    statementsAloneEventsPerSecond: Math.round(limits.replayedEvents / limits.replaySeconds),
    statementsAlonePostgresCpuMicrosecondsPerEvent: Math.round((limits.replayCpuSeconds * 1e6) / limits.replayedEvents),
    rebuildToStatementsAlone: Number((eventsPerSecond / (limits.replayedEvents / limits.replaySeconds)).toFixed(2)),
  },
};
writeJson('rebuild.json', summary);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`rebuild: ${summary.events} events in ${seconds.toFixed(1)} s = ${summary.eventsPerSecond} events/s${summary.measuredNotExtrapolated ? '' : ` (1M extrapolated: ~${Math.round(summary.extrapolatedSecondsFor1M / 60)} min)`}\n`);
process.stdout.write(`CPU per event: Node ${summary.cpuMicrosecondsPerEvent.node} µs, PostgreSQL (every postgres process on this machine) ${summary.cpuMicrosecondsPerEvent.postgresql} µs\n`);
const L = summary.limits;
process.stdout.write(
  `beside it: reading + Avro-decoding the events alone ${L.readAndDecodeEventsPerSecond} events/s (rebuild = ${L.rebuildToReadAndDecode} of it); ` +
    `PostgreSQL alone writing the same ${L.rowsWritten} rows ${L.postgresWriteEventsPerSecond} events/s (rebuild = ${L.rebuildToPostgresWrite} of it); ` +
    `Node alone (the same reading and decoding, then the rules and rows, no database) ${L.nodeAloneEventsPerSecond} events/s, ${L.nodeAloneCpuMicrosecondsPerEvent} µs CPU per event (rebuild = ${L.rebuildToNodeAlone} of it)\n`,
);
process.stdout.write(
  `the rebuild's write statements: ${L.statementsInRebuildSeconds} s inside its transactions (${L.statementsShareOfRebuild} of the rebuild${KOMMUNER > 1 ? `, summed over its pipelines` : ''}); ` +
    `the same statements with the same parameters, PostgreSQL alone: ${L.statementsAloneEventsPerSecond} events/s, ${L.statementsAlonePostgresCpuMicrosecondsPerEvent} µs PostgreSQL CPU per event, over ${L.statementsAloneBatches} batches (rebuild = ${L.rebuildToStatementsAlone} of it; seconds by table ${JSON.stringify(L.statementsAloneSecondsByTable)})\n`,
);
process.exit(0);

/**
 * Four floors for the rebuild, measured right after it:
 * - reading + decoding: every event of the rebuilt topics read from Kafka (through the project's
 *   Kafka port, as the rebuild reads them) and Avro-decoded, nothing applied or written;
 * - PostgreSQL writing: every row the rebuild left in the new generation written again by
 *   PostgreSQL alone (`INSERT … SELECT` into empty tables with the same indexes, one transaction,
 *   synchronous_commit off as the rebuild's), so no parsing, no round trips and no Node;
 * - Node alone: the same reading and decoding, then the rules and the rows (built, not sent), so
 *   the rebuild's own work in Node without PostgreSQL;
 * - the rebuild's statements alone: the write statements of its first batches, with the JSON
 *   parameters it sent (recordWrites), run again by PostgreSQL alone into an empty generation,
 *   one batch per transaction; the batches of one kommune commit one after the other, so this
 *   is the design's PostgreSQL floor for one kommune (the second floor leaves out the JSON and
 *   the upserts). With several kommuner the replay still runs their batches one after the other,
 *   while the rebuild runs `--parallel` pipelines: compare it with a one-kommune run.
 * A rebuild cannot be faster than any; how far it is from them shows where its time goes.
 */
async function measureLimits(ctx, schema, statements) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafkaAdmin = new Kafka({ clientId: 'bench-rebuild-limits', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  const ranges = [];
  for (const k of kommuner) {
    const topic = TOPICS.events(k);
    for (const p of await kafkaAdmin.fetchTopicOffsets(topic)) ranges.push({ topic, partition: p.partition, start: '0', end: p.high });
  }
  await kafkaAdmin.disconnect();
  let decoded = 0;
  const readStarted = Date.now();
  await ops.readTopicRanges(ctx.kafka, 'bench-read-floor', ranges, async (batch) => {
    for (const r of batch.records) {
      await ctx.codec.decode(r.value);
      decoded += 1;
    }
  });
  const readSeconds = (Date.now() - readStarted) / 1000;

  // Node's own part: the same read and decode, then the rules and the rows through the rebuild's
  // overlay in steps as the pipeline takes them (handOver), against a connection that answers every
  // read with no rows and runs nothing, so no PostgreSQL work and no round trips.
  const projections = dist('projections');
  const projector = new projections.ReadModelProjector();
  const nothing = { query: async () => [] };
  let overlay = new persistence.ReadModelWriteRepository(nothing, schema);
  let pending = [];
  const applyPending = async (batch) => {
    await projector.applyBatches(overlay, [{ topic: batch.topic, partition: batch.partition, storedNext: 0n, last: pending.at(-1).offset, events: pending }]);
    overlay = overlay.handOver().next;
    pending = [];
  };
  const nodeStarted = Date.now();
  const nodeCpu = process.cpuUsage();
  let ruled = 0;
  await ops.readTopicRanges(ctx.kafka, 'bench-node-floor', ranges, async (batch) => {
    for (const r of batch.records) {
      pending.push({ offset: r.offset, event: await ctx.codec.decode(r.value) });
      if (pending.length === ops.DEFAULT_STEP_SIZE) await applyPending(batch);
    }
    if (pending.length > 0) await applyPending(batch);
    ruled += batch.records.length;
  });
  const nodeSeconds = (Date.now() - nodeStarted) / 1000;
  const nodeCpuUs = process.cpuUsage(nodeCpu);

  const { Client } = require('pg');
  const client = new Client({ connectionString: DB_URL });
  await client.connect();
  const tables = (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'projection_offsets' AND table_type = 'BASE TABLE'`, [schema])).rows.map((r) => r.table_name);
  await client.query('DROP SCHEMA IF EXISTS bench_write_floor CASCADE');
  await client.query('CREATE SCHEMA bench_write_floor');
  for (const t of tables) await client.query(`CREATE TABLE bench_write_floor.${t} (LIKE "${schema}".${t} INCLUDING ALL)`);
  await client.query('CHECKPOINT');
  let rows = 0;
  const writeStarted = Date.now();
  await client.query('BEGIN');
  await client.query('SET LOCAL synchronous_commit = off');
  for (const t of tables) rows += (await client.query(`INSERT INTO bench_write_floor.${t} SELECT * FROM "${schema}".${t}`)).rowCount;
  await client.query('COMMIT');
  const writeSeconds = (Date.now() - writeStarted) / 1000;
  await client.query('DROP SCHEMA bench_write_floor CASCADE');

  // The rebuild's own write statements, with the parameters it sent (the batches recordWrites
  // kept), run again one batch per transaction into an empty generation: PostgreSQL's part of the
  // pipeline's critical path alone, JSON parsing included, without Node or a concurrent reader.
  // The generation as the rebuild fills it: without the indexes only reads use (built after).
  const replay = persistence.readModelSchemaName(999999);
  await client.query(`DROP SCHEMA IF EXISTS "${replay}" CASCADE`);
  await client.query(`CREATE SCHEMA "${replay}"`);
  for (const ddl of persistence.readModelFillDdl(replay)) await client.query(ddl);
  await client.query('CHECKPOINT');
  const byTable = {};
  const manager = {
    query: async (sql, params) => {
      const started = process.hrtime.bigint();
      const { rows: result } = await client.query(sql, params);
      // A batch's rows are one statement across its tables (one CTE each): named by all of them.
      const table = [...new Set([...sql.matchAll(/(?:INSERT INTO|UPDATE) (?:"[^"]+"\.)?(\w+)/g)].map((m) => m[1]))].join('+') || 'other';
      byTable[table] = (byTable[table] ?? 0) + Number(process.hrtime.bigint() - started) / 1e9;
      return result;
    },
  };
  const replayStarted = Date.now();
  const replayCpuBefore = stackCpuSeconds().postgresql;
  for (const writes of statements.kept) {
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = off');
    await writes.writeTo(manager);
    await client.query('COMMIT');
  }
  const replaySeconds = (Date.now() - replayStarted) / 1000;
  const replayCpuSeconds = stackCpuSeconds().postgresql - replayCpuBefore;
  // A batch's events are its upserted versions, one per event (its columns' JSON array).
  const replayedEvents = statements.kept.reduce((n, w) => n + (w.rows.versions ? JSON.parse(w.rows.versions.columns).length : 0), 0);
  await client.query(`DROP SCHEMA "${replay}" CASCADE`);
  await client.end();
  return {
    decoded, readSeconds, writeSeconds, rows, ruled, nodeSeconds, nodeCpuMicroseconds: nodeCpuUs.user + nodeCpuUs.system,
    replaySeconds, replayCpuSeconds, replayedBatches: statements.kept.length, replayedEvents,
    replaySecondsByTable: Object.fromEntries(Object.entries(byTable).map(([t, sec]) => [t, Number(sec.toFixed(3))])),
  };
}

/**
 * Times every batch's write statements inside the rebuild's transactions (ReadModelWrites.writeTo)
 * and keeps the first batches' writes, parameters included (at most KEPT_BATCHES, about 200,000
 * events at the default step, so a 1M-event run holds a bounded amount), for measureLimits to run
 * again alone.
 */
function recordWrites() {
  const KEPT_BATCHES = 40;
  const proto = persistence.ReadModelWrites.prototype;
  const original = proto.writeTo;
  const recorded = { seconds: 0, kept: [], stop: () => (proto.writeTo = original) };
  proto.writeTo = async function (manager) {
    const started = process.hrtime.bigint();
    try {
      return await original.call(this, manager);
    } finally {
      recorded.seconds += Number(process.hrtime.bigint() - started) / 1e9;
      if (recorded.kept.length < KEPT_BATCHES) recorded.kept.push(this);
    }
  };
  return recorded;
}

/**
 * A V8 profile of what runs from now until `stop(file)`, through the inspector of this process:
 * the CPU profile, or the sampled allocations (every allocation counted, also those collected
 * before sampling stops).
 */
async function startProfile(kind = 'cpu') {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const [domain, start, stop, options, what] =
    kind === 'heap'
      ? ['HeapProfiler', 'startSampling', 'stopSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, 'allocation profile']
      : ['Profiler', 'start', 'stop', undefined, 'CPU profile'];
  await session.post(`${domain}.enable`);
  await session.post(`${domain}.${start}`, options);
  return {
    stop: async (file) => {
      const { profile } = await session.post(`${domain}.${stop}`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      log(`${what} of the rebuild phase written to ${file}`);
    },
  };
}
