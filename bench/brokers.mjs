// One broker against three (#15 item 2): the same intake → queryable run (intake, normalizer and
// projector as processes, bench/intake-to-queryable.mjs) against the default single broker at
// replication factor 1 and against a three-broker KRaft cluster at replication factor 3 with
// min.insync.replicas 2, alternating in rounds so both see the same machine. Each run is a child
// process, because the bench's broker list is fixed when its module loads.
//
// usage: STACK_DIR=.stack-3b KAFKA_PORT=29092 STACK_SKIP_IDP=1 npm run stack -- up --brokers 3
//        npm run build && HLTEST_SUFFIX=me node bench/brokers.mjs --three 127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094 \
//          [--one 127.0.0.1:9092] [--rounds 3] [--messages 3000] [--concurrency 16] [--paced-seconds 20]
// Prints one line per run and the medians; writes bench/out/brokers.json.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args.includes('--child')) {
  // One run, against KAFKA_BROKERS as set by the parent; the result as JSON on the last line.
  const { messageMix } = await import('./lib/common.mjs');
  const { intakeToQueryable } = await import('./intake-to-queryable.mjs');
  const three = process.env.KAFKA_BROKERS.split(',').length >= 3;
  const count = Number(opt('messages', '3000'));
  const result = await intakeToQueryable({
    messages: messageMix(count),
    pacedMessages: messageMix(Math.ceil(count / 2), 8),
    pacedFractions: [0.5],
    pacedSeconds: Number(opt('paced-seconds', '20')),
    concurrency: Number(opt('concurrency', '16')),
    env: three ? { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' } : { KAFKA_REPLICATION_FACTOR: '1' },
    log: (m) => process.stderr.write(`  ${m}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const clusters = { one: opt('one', '127.0.0.1:9092'), three: opt('three') };
if (!clusters.three) {
  console.error('--three <broker,broker,broker> is required (a three-broker stack of your own, see bench/README.md)');
  process.exit(2);
}
const rounds = Number(opt('rounds', '3'));
const childArgs = ['--messages', opt('messages', '3000'), '--concurrency', opt('concurrency', '16'), '--paced-seconds', opt('paced-seconds', '20')];

function runOnce(brokers) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', ...childArgs], { env: { ...process.env, KAFKA_BROKERS: brokers }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`run against ${brokers} exited ${code}`))));
  });
}

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
const summary = (r) => ({
  acceptRate: r.acceptRate,
  endToEndRate: r.endToEndRate,
  latencyP50Ms: r.latencyP50Ms,
  latencyP99Ms: r.latencyP99Ms,
  pacedPerSecond: r.paced[0]?.offeredPerSecond,
  pacedP99Ms: r.paced[0]?.latencyP99Ms,
  cpuMsPerMessage: r.cpuMsPerMessage,
  lost: r.lost,
});

const runs = [];
for (let round = 1; round <= rounds; round++) {
  for (const name of round % 2 ? ['one', 'three'] : ['three', 'one']) {
    process.stderr.write(`[brokers] round ${round}: ${name} (${clusters[name]})\n`);
    const s = summary(await runOnce(clusters[name]));
    runs.push({ round, cluster: name, ...s });
    process.stderr.write(`[brokers]   ${JSON.stringify(s)}\n`);
  }
}

const fmt = (v, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const cpuTotal = (r) => (r.cpuMsPerMessage ? ['intake', 'normalizer', 'projector'].reduce((a, app) => a + (Number(r.cpuMsPerMessage[app]) || 0), 0) : NaN);
console.log('| Cluster | Runs | Accepted msg/s | Intake → queryable msg/s | p50 / p99 ms (saturated) | Paced msg/s, p99 ms | CPU ms per message (3 apps) | Lost |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const medians = {};
for (const name of ['one', 'three']) {
  const mine = runs.filter((r) => r.cluster === name);
  const m = Object.fromEntries(['acceptRate', 'endToEndRate', 'latencyP50Ms', 'latencyP99Ms', 'pacedPerSecond', 'pacedP99Ms'].map((k) => [k, median(mine.map((r) => r[k]))]));
  m.cpu = median(mine.map(cpuTotal));
  m.lost = mine.reduce((a, r) => a + r.lost, 0);
  medians[name] = m;
  console.log(`| ${name === 'one' ? '1 broker, RF 1' : '3 brokers, RF 3, min ISR 2'} | ${mine.length} | ${fmt(m.acceptRate)} | ${fmt(m.endToEndRate)} | ${fmt(m.latencyP50Ms)} / ${fmt(m.latencyP99Ms)} | ${fmt(m.pacedPerSecond)}, ${fmt(m.pacedP99Ms)} | ${fmt(m.cpu, 2)} | ${m.lost} |`);
}
console.log(`\nThree / one (medians): intake → queryable ${fmt(medians.three.endToEndRate / medians.one.endToEndRate, 2)}, saturated p99 ${fmt(medians.three.latencyP99Ms / medians.one.latencyP99Ms, 2)}`);
const { writeJson } = await import('./lib/common.mjs');
writeJson('brokers.json', { date: new Date().toISOString(), machine: `${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`, clusters, rounds, runs, medians });
