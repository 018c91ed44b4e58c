// Kafka client benchmark: the same produce and consume workload through the project's Kafka port
// with kafkajs and with @platformatic/kafka, side by side, alternating runs (the machine is shared
// and noisy). Each run is its own process so peak RSS belongs to one client. Every run also checks
// the round trip: every record produced is consumed exactly once, with key, value and headers
// intact; the script exits non-zero otherwise.
//
//   npm run build && node bench/kafka-clients.mjs [--records 20000] [--size 6221] [--batch 100] [--runs 3] [--quick]
//
// Records go to fresh topics of the `hlbench-kclient` namespace (3 partitions, acks=all,
// idempotent producer), deleted at the end.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH, OUT, dist, percentile } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const NAMESPACE = 'hlbench-kclient';
const CLIENTS = ['kafkajs', 'platformatic'];

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const options = {
  records: Number(arg('records', quick ? 2000 : 20000)),
  // The average size of the project's builder messages in bench/out/results.json (6,221 bytes).
  size: Number(arg('size', 6221)),
  // Records per sendMany: about what the shared producer batches under load.
  batch: Number(arg('batch', 100)),
  runs: Number(arg('runs', quick ? 1 : 3)),
};

if (argv[0] === '--child') {
  runChild(argv[1], argv[2]).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}

/**
 * Deterministic record `seq`: its value is a slice of a pseudo-random (incompressible) pool at an
 * offset derived from `seq`, so making and checking a record costs a copy, not the benchmark.
 */
const POOL = (() => {
  const pool = Buffer.alloc(4 * 1024 * 1024);
  let block = createHash('sha256').update('kclient').digest();
  for (let off = 0; off < pool.length; off += block.length) {
    block.copy(pool, off);
    block = createHash('sha256').update(block).digest();
  }
  return pool;
})();
function valueSlice(seq, size) {
  const start = (seq * 7919) % (POOL.length - size);
  return POOL.subarray(start, start + size);
}
function recordFor(seq, size) {
  return { key: `pseudonym-${seq % 997}`, value: Buffer.from(valueSlice(seq, size)), headers: { 'x-seq': String(seq), 'x-kind': 'bench', 'x-norsk': 'æøå' } };
}
const HEADERS_OF = (seq) => JSON.stringify({ 'x-seq': String(seq), 'x-kind': 'bench', 'x-norsk': 'æøå' });

async function runChild(client, topic) {
  const kafka = dist('kafka');
  const brokers = BENCH.brokers.split(',');
  const port =
    client === 'platformatic'
      ? new kafka.PlatformaticAdapter({ brokers, clientId: 'hlbench-kclient' })
      : new kafka.KafkajsAdapter({ brokers, clientId: 'hlbench-kclient' });
  const { records: n, size, batch } = options;

  const admin = await port.admin();
  await admin.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);

  // Produce: sequential sendMany calls (an idempotent producer has one request in flight).
  const producer = await port.producer();
  // Only the time inside sendMany counts (sends are sequential, so their sum is the producing time).
  const latencies = [];
  let produceMs = 0;
  for (let seq = 0; seq < n; seq += batch) {
    const records = [];
    for (let i = seq; i < Math.min(n, seq + batch); i++) records.push(recordFor(i, size));
    const t0 = performance.now();
    await producer.sendMany([{ topic, records }]);
    const ms = performance.now() - t0;
    latencies.push(ms);
    produceMs += ms;
  }
  await producer.disconnect();

  // Consume everything with a fresh group, checking each record as it arrives.
  const seen = new Uint8Array(n);
  const problems = [];
  let received = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const groupId = `${NAMESPACE}.${randomUUID()}`;
  const consumeStart = performance.now();
  let firstRecordAt;
  const consumer = port.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    commitToGroup: true,
    handleBatch: async (b) => {
      firstRecordAt ??= performance.now();
      for (const r of b.records) {
        const seq = Number(r.headers['x-seq']);
        if (!(Number.isInteger(seq) && seq >= 0 && seq < n)) problems.push(`unexpected record at ${r.partition}/${r.offset}`);
        else {
          if (seen[seq]++) problems.push(`record ${seq} delivered again`);
          if (r.key !== `pseudonym-${seq % 997}`) problems.push(`record ${seq}: key differs`);
          if (!r.value || !r.value.equals(valueSlice(seq, size))) problems.push(`record ${seq}: value differs`);
          if (JSON.stringify(r.headers) !== HEADERS_OF(seq)) problems.push(`record ${seq}: headers differ`);
        }
        received++;
      }
      if (received >= n) done();
      return b.records.at(-1)?.offset;
    },
  });
  await consumer.start();
  const timeout = setTimeout(() => done(), 120000);
  await finished;
  clearTimeout(timeout);
  const consumeEnd = performance.now();
  const consumeMs = consumeEnd - consumeStart;
  // Let late duplicates show up before judging.
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.stop();
  const committed = (await admin.groupOffsets(groupId, topic)).reduce((s, o) => s + Math.max(0, Number(o.offset)), 0);
  await admin.deleteGroup(groupId).catch(() => undefined);
  await admin.disconnect();

  const missing = n - seen.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  if (missing > 0) problems.push(`${missing} records never consumed`);
  if (committed !== n) problems.push(`group committed ${committed} of ${n}`);
  const sorted = latencies.sort((a, b) => a - b);
  const status = readFileSync('/proc/self/status', 'utf8');
  return {
    client,
    records: n,
    size,
    batch,
    produceRecordsPerSecond: n / (produceMs / 1000),
    produceMegabytesPerSecond: (n * size) / (produceMs / 1000) / 1e6,
    batchLatencyP50Ms: percentile(sorted, 50),
    batchLatencyP99Ms: percentile(sorted, 99),
    consumeRecordsPerSecond: n / (consumeMs / 1000),
    // Without the group join: the rate once records flow.
    consumeAfterJoinRecordsPerSecond: firstRecordAt ? n / ((consumeEnd - firstRecordAt) / 1000) : NaN,
    firstRecordMs: firstRecordAt ? firstRecordAt - consumeStart : NaN,
    peakRssMiB: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024,
    received,
    problems: problems.slice(0, 20),
    problemCount: problems.length,
  };
}

async function main() {
  const self = fileURLToPath(import.meta.url);
  const runs = [];
  console.log(`Kafka clients through the port: ${options.records} records of ${options.size} bytes, ${options.batch} per sendMany, acks=all, ${options.runs} run(s) each`);
  for (let round = 0; round < options.runs; round++) {
    // Alternate who goes first, so a noisy neighbour does not always hit the same client.
    const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) {
      const topic = `${NAMESPACE}.${client}.${round}.${randomUUID().slice(0, 8)}`;
      const child = spawnSync(process.execPath, [self, '--child', client, topic, ...argv], { encoding: 'utf8', timeout: 600000, env: process.env });
      if (child.status !== 0) {
        console.error(child.stderr);
        throw new Error(`${client} run ${round + 1} failed (exit ${child.status})`);
      }
      const result = JSON.parse(child.stdout.trim().split('\n').pop());
      runs.push({ round: round + 1, ...result });
      console.log(
        `  run ${round + 1} ${client.padEnd(12)} produce ${fmt(result.produceRecordsPerSecond)} rec/s (p50 ${fmt(result.batchLatencyP50Ms, 1)} ms, p99 ${fmt(result.batchLatencyP99Ms, 1)} ms per batch), consume ${fmt(result.consumeRecordsPerSecond)} rec/s, peak RSS ${fmt(result.peakRssMiB)} MiB, ${result.problemCount} problems`,
      );
    }
  }
  await cleanup();

  const summary = CLIENTS.map((client) => {
    const mine = runs.filter((r) => r.client === client);
    const median = (key) => percentile(mine.map((r) => r[key]).sort((a, b) => a - b), 50);
    return {
      client,
      produceRecordsPerSecond: median('produceRecordsPerSecond'),
      produceMegabytesPerSecond: median('produceMegabytesPerSecond'),
      batchLatencyP50Ms: median('batchLatencyP50Ms'),
      batchLatencyP99Ms: median('batchLatencyP99Ms'),
      consumeRecordsPerSecond: median('consumeRecordsPerSecond'),
      consumeAfterJoinRecordsPerSecond: median('consumeAfterJoinRecordsPerSecond'),
      firstRecordMs: median('firstRecordMs'),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
      problems: mine.reduce((s, r) => s + r.problemCount, 0),
    };
  });
  const rows = [
    ['produce records/s', 'produceRecordsPerSecond', 0],
    ['produce MB/s', 'produceMegabytesPerSecond', 1],
    ['p50 per sendMany (ms)', 'batchLatencyP50Ms', 1],
    ['p99 per sendMany (ms)', 'batchLatencyP99Ms', 1],
    ['consume records/s (start to last record)', 'consumeRecordsPerSecond', 0],
    ['consume records/s (first to last record)', 'consumeAfterJoinRecordsPerSecond', 0],
    ['first record after start (ms)', 'firstRecordMs', 0],
    ['peak RSS (MiB)', 'peakRssMiB', 0],
    ['round-trip problems', 'problems', 0],
  ];
  console.log(`\nMedian of ${options.runs} run(s) (peak RSS: the highest)\n`);
  console.log(`| | ${CLIENTS.join(' | ')} | platformatic / kafkajs |`);
  console.log(`| --- | ${CLIENTS.map(() => '---:').join(' | ')} | ---: |`);
  for (const [label, key, digits] of rows) {
    const [a, b] = summary.map((s) => s[key]);
    console.log(`| ${label} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${key === 'problems' ? '' : `${(b / a).toFixed(2)}×`} |`);
  }
  const result = { date: new Date().toISOString(), options, runs, summary };
  writeFileSync(join(OUT, 'kafka-clients.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWritten to bench/out/kafka-clients.json`);
  const failed = runs.filter((r) => r.problemCount > 0);
  if (failed.length > 0) {
    for (const r of failed) console.error(`${r.client} run ${r.round}: ${r.problems.join('; ')}`);
    process.exit(1);
  }
}

/** Deletes this benchmark's topics and groups (only the `hlbench-kclient` namespace). */
async function cleanup() {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'hlbench-kclient-cleanup', brokers: BENCH.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${NAMESPACE}.`));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${NAMESPACE}.`));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 60000 });
  } finally {
    await admin.disconnect();
  }
}

function fmt(value, digits = 0) {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
}
