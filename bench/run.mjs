// `npm run bench` (full) and `npm run bench -- --quick` (CI: checks every benchmark runs, small N).
// Prints a table, writes bench/out/results.json and bench/out/throughput.svg. Timings that are
// compared are measured side by side in the same run on the same machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { throughputChartSvg } from './lib/chart.mjs';
import { messageMix, OUT, ROOT, writeJson } from './lib/common.mjs';
import { intakeToQueryable } from './intake-to-queryable.mjs';
import { kafkaProducerPerf } from './kafka-perf.mjs';
import { measureParseAndXsd, measureParseRate } from './parse-rate.mjs';
import { readLatency } from './read-latency.mjs';

const quick = process.argv.includes('--quick');
const count = quick ? 300 : Number(process.env.BENCH_MESSAGES ?? 20000);
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const messages = messageMix(count);
const avgSize = Math.round(messages.reduce((a, m) => a + m.length, 0) / messages.length);
log(`${count} messages from the project's builder, average ${avgSize} bytes`);

log('parse rate (one core)');
const parse = measureParseRate(messages, quick ? 1 : 5);
log('XSD validation beside the parse (in-thread and through the worker pool)');
const xsd = await measureParseAndXsd(messages.slice(0, quick ? 200 : 2000), { rounds: quick ? 1 : 5 });
log('kafka-producer-perf-test (acks=all, same record size)');
const kafka = kafkaProducerPerf({ records: quick ? 2000 : 50000, recordSize: avgSize, topic: 'hlbench.producer-perf' });
log('intake to queryable (intake, normalizer, projector as processes)');
const pacedMessages = messageMix(quick ? 200 : Number(process.env.BENCH_PACED_MESSAGES ?? 20000), 8);
// Past the processes' first minute (JIT, first lookups) before measuring, as a hub running for days.
const warmup = messageMix(quick ? 100 : Number(process.env.BENCH_WARMUP_MESSAGES ?? 3000), 9);
const e2e = await intakeToQueryable({ messages, warmup, pacedMessages, pacedSeconds: quick ? 3 : 20, concurrency: quick ? 4 : 16, log });

log('reads: FHIR searches under concurrent clients');
const reads = await readLatency({ patients: quick ? 30 : 500, clients: quick ? 5 : 50, seconds: quick ? 3 : 20, warmupSeconds: quick ? 1 : 10, log });
log('rebuild of the read model from the event topics');
const rebuildEvents = quick ? 2000 : Number(process.env.BENCH_REBUILD_EVENTS ?? 100000);
execFileSync(process.execPath, [join(ROOT, 'bench', 'rebuild.mjs'), '--events', String(rebuildEvents)], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 3600000 });
const rebuild = JSON.parse(readFileSync(join(OUT, 'rebuild.json'), 'utf8'));

const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  mode: quick ? 'quick' : 'full',
  averageMessageBytes: avgSize,
  parse,
  xsd,
  kafka,
  intakeToQueryable: e2e,
  reads,
  rebuild,
  ratios: {
    hubVsHalfParseRate: e2e.endToEndRate / (parse.messagesPerSecond / 2),
    hubVsParseRate: e2e.endToEndRate / parse.messagesPerSecond,
    hubVsKafkaProducer: e2e.endToEndRate / kafka.recordsPerSecond,
    rebuildVsPostgresWrite: rebuild.limits.rebuildToPostgresWrite,
    rebuildVsReadAndDecode: rebuild.limits.rebuildToReadAndDecode,
    rebuildVsItsStatementsAlone: rebuild.limits.rebuildToStatementsAlone,
  },
};
writeJson('results.json', results);
writeFileSync(join(OUT, 'throughput.svg'), throughputChartSvg(e2e.series, `Intake to queryable: ${count} messages from ${e2e.concurrency} gateways as fast as accepted, then paced at ${e2e.paced.map((p) => p.offeredPerSecond).join(' and ')} msg/s`));

const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const rows = [
  ['Parse rate, one core (parseMessage)', `${f(parse.messagesPerSecond)} msg/s`, `${f(parse.megabytesPerSecond, 1)} MB/s`],
  ['CPU µs per message: parse / XSD validation (worker pool)', `${f(xsd.parse.cpuMicrosPerMessage)} / ${f(xsd.xsdPool.cpuMicrosPerMessage)}`, `in-thread XSD ${f(xsd.xsdInThread.cpuMicrosPerMessage)} µs; pool / parse ${f(xsd.xsdPoolToParse, 2)}`],
  ['Kafka ProducerPerformance, acks=all', `${f(kafka.recordsPerSecond)} rec/s`, `p50 ${f(kafka.p50Ms)} ms, p99 ${f(kafka.p99Ms)} ms`],
  ['Hub: accepted (AppRec OK) rate', `${f(e2e.acceptRate)} msg/s`, `${e2e.accepted}/${e2e.messages} accepted`],
  ['Hub: intake to queryable, sustained', `${f(e2e.endToEndRate)} msg/s`, `p50 ${f(e2e.latencyP50Ms)} ms, p99 ${f(e2e.latencyP99Ms)} ms`],
  ...e2e.paced.map((p) => [`Hub paced at ${Math.round(p.fraction * 100)} % of that (open loop)`, `${f(p.achievedPerSecond)} msg/s`, `p50 ${f(p.latencyP50Ms)} ms, p99 ${f(p.latencyP99Ms)} ms, ${p.lost} lost`]),
  ['Hub / (parse rate / 2)  [target >= 1]', f(results.ratios.hubVsHalfParseRate, 2), ''],
  ['Hub / Kafka producer', f(results.ratios.hubVsKafkaProducer, 3), ''],
  ['Lost (accepted, never visible)', String(e2e.lost), ''],
  [`Reads, FHIR POST _search, ${reads.clients} clients`, `${f(reads.all.perSecond)} req/s`, `p50 ${f(reads.all.p50Ms)} ms, p99 ${f(reads.all.p99Ms)} ms, ${Object.values(reads.errors).reduce((a, b) => a + b, 0)} errors`],
  [`Reads paced, ${reads.clients} clients × 1 per ${reads.paced.intervalMs} ms`, `${f(reads.paced.all.perSecond)} req/s`, `p50 ${f(reads.paced.all.p50Ms)} ms, p99 ${f(reads.paced.all.p99Ms)} ms, ${Object.values(reads.paced.errors).reduce((a, b) => a + b, 0)} errors`],
  [`Rebuild, ${rebuild.events} events  [target >= 20000/s]`, `${f(rebuild.eventsPerSecond)} events/s`, `${f(rebuild.rebuildSeconds, 1)} s`],
  ['Beside it: events read + Avro-decoded alone', `${f(rebuild.limits.readAndDecodeEventsPerSecond)} events/s`, `rebuild = ${f(rebuild.limits.rebuildToReadAndDecode, 2)} of it`],
  [`Beside it: PostgreSQL alone writing its ${rebuild.limits.rowsWritten} rows`, `${f(rebuild.limits.postgresWriteEventsPerSecond)} events/s`, `rebuild = ${f(rebuild.limits.rebuildToPostgresWrite, 2)} of it`],
  ['Beside it: its write statements, PostgreSQL alone', `${f(rebuild.limits.statementsAloneEventsPerSecond)} events/s`, `rebuild = ${f(rebuild.limits.rebuildToStatementsAlone, 2)} of it`],
  ['Peak RSS MiB intake / normalizer / projector', `${f(e2e.peakRssMiB.intake)} / ${f(e2e.peakRssMiB.normalizer)} / ${f(e2e.peakRssMiB.projector)}`, ''],
  ['CPU ms per message intake / normalizer / projector', `${f(e2e.cpuMsPerMessage.intake, 2)} / ${f(e2e.cpuMsPerMessage.normalizer, 2)} / ${f(e2e.cpuMsPerMessage.projector, 2)}`, `load generator ${f(e2e.cpuMsPerMessage.loadGenerator, 2)}`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\nHendelseslager benchmark (${results.mode}), ${results.date}\n${results.machine}\n`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(width)}  ${b.padEnd(18)}  ${c}`);
console.log(`\nresults: bench/out/results.json   chart: bench/out/throughput.svg`);
if (e2e.lost > 0 || Object.keys(reads.errors).length > 0 || Object.keys(reads.paced.errors).length > 0) process.exitCode = 1;
