// Shared helpers for the benchmarks: compiled libs, processes, percentiles, the bench namespace.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const require = createRequire(import.meta.url);

/** The compiled libraries (`npm run build` first). */
export function dist(lib) {
  const path = join(ROOT, 'dist', 'libs', lib, 'src', 'index.js');
  if (!existsSync(path)) throw new Error(`${path} missing: run \`npm run build\` first`);
  return require(path);
}

// HLTEST_SUFFIX=x gives a benchmark run its own namespace and database on a shared stack (as for the tests).
const SUFFIX = (process.env.HLTEST_SUFFIX ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
export const BENCH = {
  namespace: process.env.BENCH_NAMESPACE ?? (SUFFIX ? `hlbench-${SUFFIX}` : 'hlbench'),
  database: process.env.BENCH_DATABASE ?? (SUFFIX ? `hendelseslager_bench_${SUFFIX}` : 'hendelseslager_bench'),
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  registry: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  // Another PostgreSQL server for the bench database (bench/pg-statements.mjs starts its own).
  postgres: process.env.BENCH_PG_HOSTPORT ?? '127.0.0.1:5432',
};
export const BENCH_DB_URL = `postgres://postgres@${BENCH.postgres}/${BENCH.database}`;

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The middle value (the upper one of the two middle values of an even count). */
export function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Peak resident memory (VmHWM) of a process in MiB, from /proc. */
export function peakRssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** A fresh bench database with the real migrations, and no topics or groups of the bench namespace. */
export async function resetBenchState() {
  const { Client } = require('pg');
  const admin = new Client({ connectionString: `postgres://postgres@${BENCH.postgres}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH.database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BENCH.database}`);
  await admin.end();
  await dist('persistence').runMigrations(BENCH_DB_URL);
  const { Kafka, logLevel } = require('kafkajs');
  const kafkaAdmin = new Kafka({ clientId: 'bench-reset', brokers: BENCH.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  const groups = (await kafkaAdmin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${BENCH.namespace}.`));
  if (groups.length) await kafkaAdmin.deleteGroups(groups).catch(() => undefined);
  const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(`${BENCH.namespace}.`));
  if (topics.length) await kafkaAdmin.deleteTopics({ topics, timeout: 60000 });
  await kafkaAdmin.disconnect();
}

/** Environment for the hub's apps in the benchmark, with a directory covering the message builder's parties. */
export function benchEnv(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const keyFile = join(dir, 'dev-key.json');
  return {
    NODE_ENV: 'benchmark',
    DATABASE_URL: BENCH_DB_URL,
    KAFKA_BROKERS: BENCH.brokers,
    SCHEMA_REGISTRY_URL: BENCH.registry,
    HENDELSESLAGER_NAMESPACE: BENCH.namespace,
    HENDELSESLAGER_DIRECTORY: join(ROOT, 'config', 'directory.demo.yaml'),
    HENDELSESLAGER_DEV_ISSUER: 'true',
    HENDELSESLAGER_DEV_ISSUER_KEY: keyFile,
    HENDELSESLAGER_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789',
    LOG_LEVEL: 'warn',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ...extra,
  };
}

/** The V8 heap flags an app runs with (config/node-heap.json: the all-in-one hub's, or one app's), as users run it. */
export function nodeHeapFlags(app) {
  const flags = JSON.parse(readFileSync(join(ROOT, 'config', 'node-heap.json'), 'utf8'));
  return app === 'hub' ? flags.hub : flags.app;
}

/** The apps this benchmark started that are still running: stopped when the benchmark ends, however it ends. */
const running = new Set();
let stoppedWithBenchmark = false;

/**
 * A benchmark killed from outside (`timeout`, a signal) left its apps running, and the next run
 * then waited for a load those old apps kept from ever becoming queryable. The apps get SIGTERM
 * when the benchmark exits, also on SIGTERM, SIGINT or SIGHUP, and shut down on their own.
 */
function stopAppsWithBenchmark() {
  if (stoppedWithBenchmark) return;
  stoppedWithBenchmark = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.once(signal, () => process.exit(128 + constants.signals[signal]));
}

/**
 * Starts a compiled app as a process, with its heap flags, and waits for /health/live. `nodeArgs`
 * are more node flags (e.g. --cpu-prof, which NODE_OPTIONS refuses); they come after the heap flags.
 */
export async function startApp(app, env, port, nodeArgs = []) {
  const main = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const child = spawn(process.execPath, [...nodeHeapFlags(app), ...nodeArgs, main], { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  stopAppsWithBenchmark();
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app} exited: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return child;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${app} did not start`);
}

/**
 * One /proc/.../stat file (a process's, or a thread's under /proc/<pid>/task): its command name,
 * parent pid, and user and system CPU seconds, its own and its reaped children's (USER_HZ = 100).
 */
export function procStat(path) {
  const stat = readFileSync(path, 'utf8');
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    ppid: Number(fields[1]),
    user: Number(fields[11]) / 100, // utime (field 14)
    system: Number(fields[12]) / 100, // stime (field 15)
    children: (Number(fields[13]) + Number(fields[14])) / 100, // cutime + cstime (fields 16, 17)
  };
}

/** User and system CPU seconds of one process so far. */
export function processCpuTimes(pid) {
  const { user, system } = procStat(`/proc/${pid}/stat`);
  return { user, system };
}

/** User + system CPU seconds of one process so far, NaN once it is gone. */
export function processCpuSeconds(pid) {
  try {
    const t = processCpuTimes(pid);
    return t.user + t.system;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds so far of the stack's PostgreSQL (every postgres process, and the backends that
 * have ended, through the postmaster's children's times) and of the Kafka broker(s) (java running
 * kafka.Kafka), from /proc: what the apps' round trips cost on the other side, on the same cores.
 */
export function stackCpuSeconds() {
  let postgresql = 0;
  let kafka = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = procStat(`/proc/${entry}/stat`);
      if (stat.comm === 'postgres') {
        postgresql += stat.user + stat.system;
        // The postmaster (its parent is not postgres) also carries the CPU of backends it has reaped.
        if (procStat(`/proc/${stat.ppid}/stat`).comm !== 'postgres') postgresql += stat.children;
      } else if (stat.comm === 'java' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka')) {
        kafka += stat.user + stat.system;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return { postgresql, kafka };
}

export function stopApp(child) {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15000).unref();
  });
}

/** The benchmark's message mix: the project's own builder, seeded. */
export function messageMix(count, seed = 7) {
  const testing = dist('testing');
  const rng = testing.createRng(seed);
  const messages = [];
  for (let i = 0; i < count; i++) messages.push(testing.randomMessage(rng).bytes);
  return messages;
}

export function writeJson(name, value) {
  writeFileSync(join(OUT, name), JSON.stringify(value, null, 2));
}

export function javaBin() {
  try {
    return execFileSync('bash', ['-lc', 'command -v java']).toString().trim();
  } catch {
    return 'java';
  }
}

/**
 * The drills' verdict on the read model (bench/README.md, "Fault drills"): waits up to `timeoutMs`
 * until every MsgId answered 202/200 is projected, then counts
 *   lost        answered, never visible in the read model;
 *   duplicated  message versions stored twice, plus documents with more facts than their current
 *               version states.
 */
export async function readModelVerdict(answeredIds, timeoutMs, dbUrl = BENCH_DB_URL) {
  const { Client } = createRequire(import.meta.url)('pg');
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const schema = (await db.query(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`)).rows[0].active_schema;
    const ids = [...answeredIds];
    const deadline = Date.now() + timeoutMs;
    let visible = new Set();
    while (Date.now() < deadline) {
      visible = new Set((await db.query(`SELECT DISTINCT msg_id FROM "${schema}".message_versions WHERE msg_id = ANY($1)`, [ids])).rows.map((r) => r.msg_id));
      if (visible.size === ids.length) break;
      await sleep(500);
    }
    // Facts in the read model compared with what each projected message version itself states.
    const mismatches = (await db.query(
      `SELECT v.msg_id FROM "${schema}".message_versions v
         JOIN "${schema}".documents d ON d.kommunenummer = v.kommunenummer AND d.current_msg_id = v.msg_id
        WHERE (SELECT count(*) FROM "${schema}".service_facts f WHERE f.kommunenummer = v.kommunenummer AND f.doc_key = d.doc_key) > jsonb_array_length(v.facts->'services')
           OR (SELECT count(*) FROM "${schema}".diagnosis_facts f WHERE f.kommunenummer = v.kommunenummer AND f.doc_key = d.doc_key) > jsonb_array_length(v.facts->'diagnoses')`,
    )).rows.length;
    const versionsPerMsg = (await db.query(`SELECT count(*)::int AS n FROM (SELECT msg_id FROM "${schema}".message_versions GROUP BY kommunenummer, msg_id HAVING count(*) > 1) x`)).rows[0].n;
    return { lost: ids.filter((id) => !visible.has(id)).length, duplicated: mismatches + versionsPerMsg };
  } finally {
    await db.end();
  }
}
