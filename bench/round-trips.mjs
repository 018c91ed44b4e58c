// The round-trip floor of CPU per message (#16): what one I/O round trip costs a Node process on
// this machine, by kind, and how many of each the three apps make per message, in one run.
//
//   npm run build && HLTEST_SUFFIX=me node bench/round-trips.mjs [--messages 3000] [--warmup 3000] [--rounds 3] [--n 2000]
//
// 1. Unit costs, one round trip in flight at a time (the shape of a live pipeline at moderate
//    load), kinds alternating in rounds, medians: CPU µs of the process that makes the round trip
//    (process.cpuUsage; for HTTP, /proc of the serving process) for a PostgreSQL `SELECT 1`
//    through pg and through TypeORM's DataSource, a Kafka produce of one 1 KiB record (acks=all,
//    idempotent) through the hub's port with kafkajs and with @platformatic/kafka, a small Kafka
//    request (kafkajs admin, ListOffsets), a worker-thread round trip carrying 6 KiB (as the XSD
//    pool), and an HTTP request served by a bare node:http server and by the hub (intake's
//    /health/live: Nest and Express, no work).
// 2. The pipeline (bench/intake-to-queryable.mjs, after --warmup messages, saturated, no paced phases) with
//    bench/lib/round-trip-counter.cjs preloaded into intake, normalizer and projector: round trips
//    per message of each app by kind over the measured part, beside each app's CPU per message.
//
// The estimate per app is Σ (round trips per message × unit cost); Kafka requests other than
// Produce are priced as the small request (a lower bound: fetch answers carry records).
// Writes bench/out/round-trips.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { BENCH, ROOT, dist, median, messageMix, processCpuSeconds, procStat, sleep, writeJson } from './lib/common.mjs';
import { intakeToQueryable } from './intake-to-queryable.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: { messages: { type: 'string', default: '3000' }, warmup: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' }, n: { type: 'string', default: '2000' } },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const log = (m) => process.stderr.write(`[round-trips] ${m}\n`);
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** CPU µs of this process per call of `once`, over `n` sequential calls (after a warm-up). */
async function ownCost(once, n) {
  for (let i = 0; i < Math.min(200, n); i++) await once(i);
  const t0 = cpuMicros();
  for (let i = 0; i < n; i++) await once(i);
  return (cpuMicros() - t0) / n;
}

/** CPU µs of another process (`pid`, /proc) per call of `once`. */
async function theirCost(pid, once, n) {
  for (let i = 0; i < Math.min(200, n); i++) await once(i);
  const t0 = processCpuSeconds(pid);
  for (let i = 0; i < n; i++) await once(i);
  return ((processCpuSeconds(pid) - t0) * 1e6) / n;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const get = (port, path) =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });

async function unitCosts() {
  const { Client } = require('pg');
  const pg = new Client({ connectionString: `postgres://postgres@${BENCH.postgres}/postgres` });
  await pg.connect();
  const { DataSource } = require('typeorm');
  const typeorm = new DataSource({ type: 'postgres', url: `postgres://postgres@${BENCH.postgres}/postgres` });
  await typeorm.initialize();

  const kafka = dist('kafka');
  const brokers = BENCH.brokers.split(',');
  const topic = `${BENCH.namespace}.round-trips.v1`;
  const ports = {
    kafkajs: new kafka.KafkajsAdapter({ brokers, clientId: 'hlbench-round-trips' }),
    platformatic: new kafka.PlatformaticAdapter({ brokers, clientId: 'hlbench-round-trips' }),
  };
  const admin = await ports.kafkajs.admin();
  await admin.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
  await admin.disconnect();
  const producers = { kafkajs: await ports.kafkajs.producer(), platformatic: await ports.platformatic.producer() };
  const value = Buffer.alloc(1024, 7);
  const { Kafka, logLevel } = require('kafkajs');
  const raw = new Kafka({ brokers, clientId: 'hlbench-round-trips', logLevel: logLevel.NOTHING }).admin();
  await raw.connect();
  let rawRequests = 0;
  raw.on(raw.events.REQUEST, () => rawRequests++);

  const worker = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (b) => parentPort.postMessage(b.length));', { eval: true });
  const payload = Buffer.alloc(6 * 1024, 1);
  const viaWorker = () => new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(payload);
  });

  const server = spawn(process.execPath, ['-e', 'require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { process.stdout.write(String(this.address().port)); })'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const serverPort = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(d.toString()))));

  const kinds = {
    'pg SELECT 1 (pg Client)': () => ownCost(() => pg.query('SELECT 1'), N),
    'pg SELECT 1 (TypeORM DataSource.query)': () => ownCost(() => typeorm.query('SELECT 1'), N),
    'Kafka produce, 1 record (kafkajs)': () => ownCost((i) => producers.kafkajs.send(topic, [{ key: String(i), value }]), Math.ceil(N / 2)),
    'Kafka produce, 1 record (platformatic)': () => ownCost((i) => producers.platformatic.send(topic, [{ key: String(i), value }]), Math.ceil(N / 2)),
    'Kafka small request (kafkajs ListOffsets)': async () => {
      const before = rawRequests;
      const t0 = cpuMicros();
      for (let i = 0; i < Math.ceil(N / 4); i++) await raw.fetchTopicOffsets(topic);
      return (cpuMicros() - t0) / Math.max(1, rawRequests - before);
    },
    'worker thread, 6 KiB each way (XSD pool)': () => ownCost(viaWorker, N),
    'HTTP request served: bare node:http': () => theirCost(server.pid, () => get(serverPort, '/'), N),
  };
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [kind, measure] of Object.entries(kinds)) samples[kind].push(await measure());
    log(`unit costs, round ${r + 1} of ${ROUNDS}`);
  }

  server.kill();
  await worker.terminate();
  await raw.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await raw.disconnect();
  await Promise.all(Object.values(producers).map((p) => p.disconnect()));
  await typeorm.destroy();
  await pg.end();
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, { medianMicros: median(xs), samples: xs }]));
}

const units = await unitCosts();

// The pipeline, counted.
const countsDir = mkdtempSync(join(tmpdir(), 'round-trips-'));
const counter = join(ROOT, 'bench', 'lib', 'round-trip-counter.cjs');
const all = messageMix(Number(values.messages));
let hubHttp;
const countsBefore = {};
const countsAfter = {};
/** CPU seconds of a process's main thread (its JavaScript) and of its other threads (V8's GC and compiler, libuv's pool, worker threads). */
const threadCpu = (pid) => {
  const ticks = (tid) => {
    const { user, system } = procStat(`/proc/${pid}/task/${tid}/stat`);
    return user + system;
  };
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      other += ticks(tid);
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main: ticks(pid), other };
};
const threadsBefore = {};
const threadsAfter = {};
const readCounts = (app) => {
  const file = join(countsDir, `${app}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).counts : {};
};
const INTAKE_PORT = 3310;
const pipeline = await intakeToQueryable({
  messages: all,
  warmup: messageMix(Number(values.warmup), 9),
  concurrency: 16,
  basePort: INTAKE_PORT,
  pacedFractions: [],
  env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${counter}`.trim(), ROUND_TRIP_COUNTS_DIR: countsDir },
  log,
  // Before the measured part: the hub's own HTTP floor on the running intake, then the counts so far
  // (each app writes them every 200 ms), subtracted from those at the end.
  onMeasureStart: async (apps) => {
    const xs = [];
    for (let r = 0; r < ROUNDS; r++) xs.push(await theirCost(apps.intake.pid, () => get(INTAKE_PORT, '/health/live'), N));
    hubHttp = { medianMicros: median(xs), samples: xs };
    await sleep(400);
    for (const app of Object.keys(apps)) countsBefore[app] = readCounts(app);
    for (const [app, child] of Object.entries(apps)) threadsBefore[app] = threadCpu(child.pid);
  },
  onMeasureEnd: async (apps) => {
    for (const [app, child] of Object.entries(apps)) threadsAfter[app] = threadCpu(child.pid);
    await sleep(400);
    for (const app of Object.keys(apps)) countsAfter[app] = readCounts(app);
  },
});
units['HTTP request served: the hub (Nest, Express; /health/live)'] = hubHttp;

const perMessage = {};
for (const app of ['intake', 'normalizer', 'projector']) {
  const after = countsAfter[app] ?? {};
  perMessage[app] = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (countsBefore[app]?.[k] ?? 0)) / pipeline.accepted]));
}
const unit = (k) => units[k].medianMicros;
const priceOf = (kind) => {
  if (kind === 'http:request') return unit('HTTP request served: the hub (Nest, Express; /health/live)');
  if (kind === 'pg:statement') return unit('pg SELECT 1 (TypeORM DataSource.query)');
  if (kind === 'kafka:Produce') return unit('Kafka produce, 1 record (kafkajs)');
  if (kind.startsWith('kafka:')) return unit('Kafka small request (kafkajs ListOffsets)');
  if (kind === 'worker:message') return unit('worker thread, 6 KiB each way (XSD pool)');
  return 0;
};
const estimate = Object.fromEntries(
  Object.entries(perMessage).map(([app, kinds]) => [app, Object.entries(kinds).reduce((sum, [k, n]) => sum + n * priceOf(k), 0) / 1000]),
);

console.log(`\nRound trips (${new Date().toISOString()}, ${ROUNDS} rounds of ${N}, medians): CPU µs of the process making each`);
console.log('| Round trip | CPU µs |');
console.log('| --- | ---: |');
for (const [k, v] of Object.entries(units)) console.log(`| ${k} | ${v.medianMicros.toFixed(0)} |`);
console.log(`\nThe pipeline: ${pipeline.accepted} messages saturated, ${pipeline.endToEndRate.toFixed(0)} msg/s, ${pipeline.lost} lost; round trips per message over the measured part`);
console.log('| App | Round trips per message | Estimated I/O CPU ms per message | Measured CPU ms per message | of it: main thread / other threads |');
console.log('| --- | --- | ---: | ---: | --- |');
const threads = {};
for (const [app, kinds] of Object.entries(perMessage)) {
  const list = Object.entries(kinds).filter(([, n]) => n >= 0.005).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n.toFixed(2)}`).join(', ');
  const per = (k) => ((threadsAfter[app][k] - threadsBefore[app][k]) * 1000) / pipeline.accepted;
  threads[app] = { mainMsPerMessage: per('main'), otherThreadsMsPerMessage: per('other') };
  console.log(`| ${app} | ${list} | ${estimate[app].toFixed(2)} | ${pipeline.cpuMsPerMessage[app].toFixed(2)} | ${per('main').toFixed(2)} / ${per('other').toFixed(2)} |`);
}
writeJson('round-trips.json', { date: new Date().toISOString(), rounds: ROUNDS, n: N, units, perMessage, estimateMsPerMessage: estimate, threads, pipeline: { accepted: pipeline.accepted, lost: pipeline.lost, endToEndRate: pipeline.endToEndRate, cpuMsPerMessage: pipeline.cpuMsPerMessage } });
process.exit(0);
