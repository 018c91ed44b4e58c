// Kafka-wipe drill (issue 15 item 4): the hub is loaded, then the Kafka cluster is replaced by an
// empty one (the broker stopped, its data directory deleted, started again) while PostgreSQL keeps
// everything. The hub starts again on the empty cluster and the gateway goes on sending. Then the
// operator's way out: `hendelseslager restore --kommune K` for every kommune (raw topics back from
// the raw archive, sha256-verified) and `hendelseslager rebuild`. Reports lost (answered 202/200,
// not in the read model) and duplicated (as drills.mjs), whether the hub reported the halt
// (readiness, status) before the restore and cleared it after, and the time each step took.
//
// It deletes the Kafka data directories of the stack it runs against (every broker's, with
// `stack up --brokers 3`, at replication factor 3): it refuses the default
// stack (.stack on port 9092) and wants the stack's own variables, e.g.
//   STACK_DIR=.stack-recovery KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 REGISTRY_PORT=18081 \
//   REGISTRY_MANAGEMENT_PORT=18082 IDP_PORT=14455 KAFKA_BROKERS=127.0.0.1:19092 \
//   SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7 HLTEST_SUFFIX=me \
//   node bench/drill-kafka-wipe.mjs [--before 1500] [--during 200]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH, ROOT, benchEnv, dist, messageMix, readModelVerdict, resetBenchState, sleep, startApp, stopApp, writeJson } from './lib/common.mjs';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const log = (m) => process.stderr.write(`[drill] ${new Date().toISOString().slice(11, 19)} ${m}\n`);
const BEFORE = arg('before', 1500);
const DURING = arg('during', 200);
const PORT = 3490;

const stackDir = process.env.STACK_DIR;
if (!stackDir || resolve(ROOT, stackDir) === resolve(ROOT, '.stack') || BENCH.brokers.split(',').some((b) => b.endsWith(':9092'))) {
  console.error('drill-kafka-wipe deletes a Kafka cluster: run it against a stack of its own (STACK_DIR, KAFKA_PORT, KAFKA_BROKERS; see the header)');
  process.exit(2);
}
// One broker keeps its log in data/kafka (or KAFKA_DATA_DIR); N brokers (`stack up --brokers N`) in data/kafka-1..N.
const stackData = resolve(ROOT, process.env.STACK_DATA_DIR || join(stackDir, 'data'));
const kafkaDirs = process.env.KAFKA_DATA_DIR
  ? [resolve(ROOT, process.env.KAFKA_DATA_DIR)]
  : [join(stackData, 'kafka'), ...Array.from({ length: 9 }, (_, i) => join(stackData, `kafka-${i + 1}`))].filter((dir) => existsSync(dir));
const threeBrokers = BENCH.brokers.split(',').length >= 3;
const stack = (...args) => execFileSync(process.execPath, ['tools/stack/stack.mjs', ...args], { cwd: ROOT, stdio: 'ignore', timeout: 240000 });

log(`resetting the bench namespace ${BENCH.namespace} and database ${BENCH.database} on ${BENCH.brokers}`);
await resetBenchState();
const env = benchEnv({ LOG_LEVEL: 'error', ...(threeBrokers ? { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' } : {}) });
log(`the cluster's data: ${kafkaDirs.join(', ') || 'none found'}${threeBrokers ? ' (replication factor 3, min.insync.replicas 2)' : ''}`);
if (kafkaDirs.length === 0) {
  console.error('No Kafka data directory found under the stack: nothing to wipe');
  process.exit(2);
}
const cli = (...args) => {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'hendelseslager.js'), ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) throw new Error(`hendelseslager ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ...JSON.parse(r.stdout), cliSeconds: (Date.now() - started) / 1000 };
};
let hub = await startApp('hub', env, PORT);
process.on('exit', () => hub?.exitCode === null && hub.kill('SIGTERM'));

const { mintDevToken } = dist('auth');
const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'drill-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
const messages = messageMix(BEFORE + DURING, 23);
const answered = new Set();
const stats = { posted: 0, retries: 0, unavailable503: 0, connectionErrors: 0, rejected: 0 };

/** Posts messages[from, to) with four gateways that retry until they get an AppRec. */
async function send(from, to) {
  let next = from;
  const gateway = async () => {
    while (next < to) {
      const body = messages[next++];
      stats.posted++;
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${PORT}/v1/messages`, {
            method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body, signal: AbortSignal.timeout(30000),
          });
          await response.arrayBuffer();
          if (response.status === 202 || response.status === 200) {
            answered.add(response.headers.get('x-original-msg-id'));
            break;
          }
          if (response.status !== 503) {
            stats.rejected++;
            break;
          }
          stats.unavailable503++;
        } catch {
          stats.connectionErrors++;
        }
        stats.retries++;
        await sleep(250);
      }
    }
  };
  await Promise.all([gateway(), gateway(), gateway(), gateway()]);
}

async function readiness() {
  const response = await fetch(`http://127.0.0.1:${PORT}/health/ready`);
  return { status: response.status, body: await response.json() };
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

const timings = {};
log(`loading: ${BEFORE} messages`);
await send(0, BEFORE);
const before = await readModelVerdict(answered, 180000);
log(`before the wipe: ${answered.size} answered, ${before.lost} lost, ${before.duplicated} duplicated`);

log('wiping Kafka: hub stopped, broker stopped, its data directory deleted, broker started on an empty log');
await stopApp(hub);
let t = Date.now();
stack('down', 'kafka');
for (const dir of kafkaDirs) rmSync(dir, { recursive: true, force: true });
stack('up');
timings.wipeSeconds = (Date.now() - t) / 1000;

hub = await startApp('hub', env, PORT);
log(`hub on the empty cluster; ${DURING} more messages while the kommuner are halted`);
await send(BEFORE, BEFORE + DURING);
const halted = await until('readiness names the halted kommuner', async () => {
  const r = await readiness();
  return r.body.checks?.projections?.halted?.length ? r : undefined;
}, 60000);
const statusBefore = cli('status');
const haltedKommuner = [...new Set(halted.body.checks.projections.halted.map((h) => h.kommunenummer))].sort();
log(`halted: ${haltedKommuner.join(', ')} (readiness ${halted.status}; status lists ${statusBefore.kommuner.filter((k) => k.halted.length).length})`);

t = Date.now();
const restores = [];
for (const k of statusBefore.kommuner.filter((x) => x.topicsProvisioned)) {
  const r = cli('restore', '--kommune', k.kommunenummer);
  restores.push(r);
  log(`restore ${k.kommunenummer}: ${r.status}, archived ${r.archived}, written ${r.written}, already on the topic ${r.alreadyOnTopic}, verified ${r.verified} (${r.seconds.toFixed(1)} s)`);
}
timings.restoreSeconds = (Date.now() - t) / 1000;
const again = cli('restore', '--kommune', restores.find((r) => r.archived > 0)?.kommunenummer ?? haltedKommuner[0]);
log(`restore again (idempotence): written ${again.written}, already on the topic ${again.alreadyOnTopic}`);

t = Date.now();
const rebuild = cli('rebuild');
timings.rebuildSeconds = (Date.now() - t) / 1000;
log(`rebuild: ${rebuild.status} into ${rebuild.targetSchema}, ${rebuild.applied} events (${timings.rebuildSeconds.toFixed(1)} s)`);
const cleared = await until('readiness without halts', async () => {
  const r = await readiness();
  return r.status === 200 && !r.body.checks?.projections ? r : undefined;
}, 60000);
const statusAfter = cli('status');

const { lost, duplicated } = await readModelVerdict(answered, 180000);
await stopApp(hub);
hub = undefined;
const result = {
  drill: 'kafka-wipe',
  answered: answered.size,
  ...stats,
  haltReported: { readiness: halted.status, kommuner: haltedKommuner.length, statusKommuner: statusBefore.kommuner.filter((k) => k.halted.length).length },
  restored: restores.reduce((n, r) => n + r.written, 0),
  verified: restores.reduce((n, r) => n + r.verified, 0),
  restoreIncomplete: restores.filter((r) => r.status !== 'restored').length,
  secondRestoreWrote: again.written,
  haltCleared: cleared.status === 200 && statusAfter.kommuner.every((k) => k.halted.length === 0),
  ...timings,
  lost,
  duplicated,
};
console.log(
  `kafka-wipe ${result.answered} accepted (${DURING} while halted)  halted ${result.haltReported.kommuner} kommuner (readiness ${result.haltReported.readiness})  ` +
    `restored ${result.restored} (verified ${result.verified}) in ${timings.restoreSeconds.toFixed(1)} s, rebuild ${timings.rebuildSeconds.toFixed(1)} s  ` +
    `halt cleared ${result.haltCleared}  =>  ${lost} lost, ${duplicated} duplicated`,
);
writeJson('drill-kafka-wipe.json', result);
if (lost > 0 || duplicated > 0 || !result.haltCleared || result.restoreIncomplete > 0 || result.secondRestoreWrote > 0) process.exitCode = 1;
