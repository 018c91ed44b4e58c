// The intake → queryable benchmark (bench/intake-to-queryable.mjs) under several configurations
// of the three apps, alternating in rounds so each configuration sees the same machine. Each run
// is a child process with the configuration's environment, because some settings (the bench's
// broker list) are fixed when the bench's modules load; the apps inherit it too.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './common.mjs';

const CHILD = fileURLToPath(import.meta.url);

if (process.argv[1] === CHILD) {
  // One run under the environment the parent set; the result as JSON on the last line.
  const [messages, concurrency, pacedSeconds] = process.argv.slice(2).map(Number);
  const { messageMix } = await import('./common.mjs');
  const { intakeToQueryable } = await import('../intake-to-queryable.mjs');
  const result = await intakeToQueryable({
    messages: messageMix(messages),
    // BENCH_WARMUP (set by sideBySide, or a configuration's own): messages of another seed through
    // the pipeline before anything is measured.
    warmup: messageMix(Number(process.env.BENCH_WARMUP ?? 0), 9),
    pacedMessages: messageMix(Math.ceil(messages / 2), 8),
    pacedFractions: [0.5],
    pacedSeconds,
    concurrency,
    // BENCH_APP_NODE_ARGS (a configuration's): more node flags for the three apps, after their heap
    // flags (config/node-heap.json), so a heap flag given here wins.
    nodeArgs: (process.env.BENCH_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    // BENCH_HUB=1 (a configuration's): the all-in-one hub instead of the three apps.
    hub: process.env.BENCH_HUB === '1',
    log: (m) => process.stderr.write(`  ${m}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function runOnce({ env, tree }, { messages, concurrency, pacedSeconds, warmup }) {
  // A configuration with a tree of its own (a worktree of another commit, built, with this file) runs that tree's apps.
  const script = tree ? join(tree, 'bench', 'lib', 'side-by-side.mjs') : CHILD;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, String(messages), String(concurrency), String(pacedSeconds)], { env: { ...process.env, BENCH_WARMUP: String(warmup), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`run with ${JSON.stringify(env)} exited ${code}`))));
  });
}

/** The middle value (the lower of two) of the finite ones; NaN if none. */
const median = (values) => percentile(values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b), 50);

/** The app processes of a run: the three apps, or the hub alone (BENCH_HUB). */
const appsOf = (runs) => [...new Set(runs.flatMap((r) => Object.keys(r.peakRssMiB ?? {})))];
/** PostgreSQL's CPU is also reported for the benchmark's own read-model poller (bench-poller): the benchmark's cost, not the hub's. */
const postgresqlClients = (apps) => [...apps, 'bench-poller'];
const summary = (r) => ({
  acceptRate: r.acceptRate,
  endToEndRate: r.endToEndRate,
  latencyP50Ms: r.latencyP50Ms,
  latencyP99Ms: r.latencyP99Ms,
  pacedPerSecond: r.paced[0]?.offeredPerSecond,
  pacedP99Ms: r.paced[0]?.latencyP99Ms,
  /** The paced phase's p99 by stage from the apps' histograms (receipt → normalized, → projected). */
  pacedStageP99Ms: Object.fromEntries(Object.entries(r.paced[0]?.stages ?? {}).map(([stage, d]) => [stage, d.p99Ms])),
  cpuMsPerMessage: r.cpuMsPerMessage,
  postgresqlByApp: r.postgresqlByApp,
  peakRssMiB: r.peakRssMiB,
  lost: r.lost,
});
const fmt = (v, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/**
 * Runs every configuration once per round (the order rotates each round), prints each run and a
 * table of medians with each configuration's ratio to the first, and returns { machine, runs, medians }.
 * `configurations`: { name: { label, env, tree? } } (`tree`: another checkout, built, to run instead of this one).
 * `warmup`: messages through the pipeline before each run's measured part (a configuration's own
 * BENCH_WARMUP wins); a `tree` must hold this file for it to apply there too.
 */
export async function sideBySide(configurations, { rounds = 3, messages = 3000, warmup = 3000, concurrency = 16, pacedSeconds = 20, tag = 'side-by-side' } = {}) {
  const names = Object.keys(configurations);
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      process.stderr.write(`[${tag}] round ${round}: ${configurations[name].label}\n`);
      const s = summary(await runOnce(configurations[name], { messages, concurrency, pacedSeconds, warmup }));
      runs.push({ round, configuration: name, ...s });
      process.stderr.write(`[${tag}]   ${JSON.stringify(s)}\n`);
    }
  }
  const medians = {};
  for (const name of names) {
    const mine = runs.filter((r) => r.configuration === name);
    const apps = appsOf(mine);
    const m = Object.fromEntries(['acceptRate', 'endToEndRate', 'latencyP50Ms', 'latencyP99Ms', 'pacedPerSecond', 'pacedP99Ms'].map((k) => [k, median(mine.map((r) => r[k]))]));
    for (const stage of ['normalized', 'projected']) m[`pacedP99Ms_${stage}`] = median(mine.map((r) => Number(r.pacedStageP99Ms?.[stage])));
    for (const app of apps) m[`cpu_${app}`] = median(mine.map((r) => Number(r.cpuMsPerMessage?.[app])));
    m.cpu = median(mine.map((r) => apps.reduce((a, app) => a + (Number(r.cpuMsPerMessage?.[app]) || 0), 0)));
    for (const part of ['postgresql', 'kafkaBroker']) m[`cpu_${part}`] = median(mine.map((r) => Number(r.cpuMsPerMessage?.[part])));
    m.postgresqlByApp = Object.fromEntries(postgresqlClients(apps).map((app) => [app, median(mine.map((r) => Number(r.postgresqlByApp?.[app] ?? 0)))]));
    m.rss = Object.fromEntries(apps.map((app) => [app, Math.max(...mine.map((r) => Number(r.peakRssMiB?.[app]) || 0))]));
    m.lost = mine.reduce((a, r) => a + r.lost, 0);
    m.apps = apps;
    medians[name] = m;
  }
  console.log('| Configuration | Runs | Accepted msg/s | Intake → queryable msg/s | p50 / p99 ms (saturated) | Paced msg/s, p99 ms (by the apps from receipt: normalized / projected) | CPU ms per message: the apps (intake + normalizer + projector, or the hub) | PostgreSQL (by app) / Kafka broker CPU ms per message | Peak RSS MiB | Lost |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const name of names) {
    const m = medians[name];
    const cpu = `${m.apps.map((app) => fmt(m[`cpu_${app}`], 2)).join(' + ')} = ${fmt(m.cpu, 2)}`;
    console.log(`| ${configurations[name].label} | ${runs.filter((r) => r.configuration === name).length} | ${fmt(m.acceptRate)} | ${fmt(m.endToEndRate)} | ${fmt(m.latencyP50Ms)} / ${fmt(m.latencyP99Ms)} | ${fmt(m.pacedPerSecond)}, ${fmt(m.pacedP99Ms)} (${fmt(m.pacedP99Ms_normalized)} / ${fmt(m.pacedP99Ms_projected)}) | ${cpu} | ${fmt(m.cpu_postgresql, 2)} (${postgresqlClients(m.apps).map((app) => `${app} ${fmt(m.postgresqlByApp[app], 2)}`).join(', ')}) / ${fmt(m.cpu_kafkaBroker, 2)} | ${m.apps.map((app) => fmt(m.rss[app])).join(' / ')} | ${m.lost} |`);
  }
  const [base, ...others] = names;
  for (const name of others) {
    const m = medians[name];
    const b = medians[base];
    console.log(`\n${name} / ${base} (medians): intake → queryable ${fmt(m.endToEndRate / b.endToEndRate, 2)}, saturated p99 ${fmt(m.latencyP99Ms / b.latencyP99Ms, 2)}, CPU per message ${fmt(m.cpu / b.cpu, 2)}`);
  }
  return { machine: `${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`, runs, medians };
}
