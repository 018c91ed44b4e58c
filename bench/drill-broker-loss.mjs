// Broker-loss drill (issue 15 item 2): against a three-broker cluster (`npm run stack -- up --brokers 3`),
// intake, normalizer and projector on the bench namespace and database at replication factor 3 and
// min.insync.replicas 2, under a steady gateway load. One broker is killed mid-load (SIGKILL: no
// clean shutdown, no leadership hand-over) and started again later. A gateway retries every message
// until it gets an AppRec, as real gateways do. Reports:
//   503s        answers "try again" from intake while leaders moved (and their time window);
//   catch-up    seconds from the restart until no partition of the cluster is under-replicated,
//               checked with Kafka's own tool (kafka-topics --describe --under-replicated-partitions);
//   lost        messages answered 202 that never became visible in the read model;
//   duplicated  messages with more than one version, or more facts than the message states.
// Usage (the cluster's STACK_DIR and ports must be given, the drill never touches another stack):
//   STACK_DIR=.stack-3b KAFKA_PORT=29092 KAFKA_BROKERS=127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094 \
//   HLTEST_SUFFIX=brokers node bench/drill-broker-loss.mjs [--victim 2] [--seconds 60] [--kill-at 15] [--restart-at 35]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH, ROOT, benchEnv, dist, javaBin, messageMix, resetBenchState, sleep, startApp, stopApp, readModelVerdict, writeJson } from './lib/common.mjs';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const log = (m) => process.stderr.write(`[drill] ${new Date().toISOString().slice(11, 19)} ${m}\n`);
const BASE_PORT = 3460;
const APPS = ['intake', 'normalizer', 'projector'];
const SECONDS = arg('seconds', 60);
const KILL_AT = arg('kill-at', 15);
const RESTART_AT = arg('restart-at', 35);
const VICTIM = arg('victim', 2);

if (!process.env.STACK_DIR || !process.env.KAFKA_BROKERS || BENCH.brokers.split(',').length < 3) {
  throw new Error('set STACK_DIR, KAFKA_PORT and KAFKA_BROKERS of a three-broker stack (see the usage at the top of this file)');
}
const STACK_DIR = resolve(ROOT, process.env.STACK_DIR);
const KAFKA_LIB = join(STACK_DIR, 'kafka', process.env.KAFKA_VERSION || '4.3.1', 'lib', '*');
const BOOTSTRAP = BENCH.brokers.split(',')[0];

function stack(...args) {
  return promisify(execFile)(process.execPath, ['tools/stack/stack.mjs', ...args], { cwd: ROOT, timeout: 300000, env: { ...process.env, STACK_SKIP_IDP: '1' } });
}

const JAVA = javaBin();
/** Kafka's own kafka-topics tool from the stack's jars (asynchronous: the gateways keep posting meanwhile). */
async function kafkaTopics(...args) {
  const { stdout } = await promisify(execFile)(JAVA, ['-Xmx128m', '-cp', KAFKA_LIB, 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server', BOOTSTRAP, ...args], {
    encoding: 'utf8',
    timeout: 120000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Partitions of the cluster (bench topics and Kafka's internal ones) whose ISR is smaller than their replicas. */
async function underReplicated() {
  return (await kafkaTopics('--describe', '--under-replicated-partitions'))
    .split('\n')
    .filter((l) => l.includes('Partition:'));
}

/** Replication factor, min.insync.replicas and ISR sizes of the bench topics, per kafka-topics --describe. */
async function describeBenchTopics() {
  const out = await kafkaTopics('--describe', '--topic', `${BENCH.namespace}\\..*`);
  const topics = out.split('\n').filter((l) => /^Topic: \S+\s+TopicId:/.test(l));
  const partitions = out.split('\n').filter((l) => l.includes('Partition:'));
  return {
    topics: topics.length,
    replicationFactors: [...new Set(topics.map((l) => /ReplicationFactor: (\d+)/.exec(l)?.[1]))],
    minInsync: [...new Set(topics.map((l) => /min\.insync\.replicas=(\d+)/.exec(l)?.[1]))],
    partitions: partitions.length,
    isrSizes: [...new Set(partitions.map((l) => /Isr: ([\d,]+)/.exec(l)?.[1].split(',').length))],
  };
}

function victimPid() {
  return Number(readFileSync(join(STACK_DIR, 'run', `kafka-${VICTIM}.pid`), 'utf8').split('\n')[0]);
}

log(`resetting the bench namespace ${BENCH.namespace} and database ${BENCH.database} on ${BENCH.brokers}`);
await resetBenchState();
const env = benchEnv({ LOG_LEVEL: 'error', KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
const apps = {};
// the apps are stopped whatever happens (an exception would otherwise leave them running)
process.on('exit', () => Object.values(apps).forEach((child) => child.exitCode === null && child.kill('SIGTERM')));
for (const [i, app] of APPS.entries()) apps[app] = await startApp(app, env, BASE_PORT + i);

const { mintDevToken } = dist('auth');
const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'drill-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
const messages = messageMix(20000, 15);
const acceptedNew = new Map(); // msgId -> times answered 202 (new)
const answered = new Set();
const stats = { posted: 0, retries: 0, unavailable503: 0, connectionErrors: 0, rejected: 0, timeouts: 0 };
const first503 = { at: null, last: null };
const latencies = []; // [seconds since start, ms from the first post of a message to its AppRec]
let stop = false;
let next = 0;
log('bench topics: ' + JSON.stringify(await describeBenchTopics()));
const started = Date.now();

const gateway = async () => {
  while (!stop && next < messages.length) {
    const body = messages[next++];
    stats.posted++;
    const postedAt = Date.now();
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${BASE_PORT}/v1/messages`, {
          method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body, signal: AbortSignal.timeout(30000),
        });
        await response.arrayBuffer();
        if (response.status === 503) {
          stats.unavailable503++;
          const t = (Date.now() - started) / 1000;
          first503.at ??= t;
          first503.last = t;
        } else if (response.status === 202 || response.status === 200) {
          const msgId = response.headers.get('x-original-msg-id');
          answered.add(msgId);
          latencies.push([(postedAt - started) / 1000, Date.now() - postedAt]);
          if (response.status === 202) acceptedNew.set(msgId, (acceptedNew.get(msgId) ?? 0) + 1);
          break;
        } else {
          stats.rejected++;
          break;
        }
      } catch (error) {
        if (error?.name === 'TimeoutError') stats.timeouts++;
        else stats.connectionErrors++;
      }
      stats.retries++;
      await sleep(250);
    }
    await sleep(20); // a steady, not saturating, gateway
  }
};

// per-second answers, to show the dip around the kill
const perSecond = [];
let lastAnswered = 0;
const ticker = setInterval(() => {
  perSecond.push(answered.size - lastAnswered);
  lastAnswered = answered.size;
}, 1000);

const load = Promise.all([gateway(), gateway(), gateway(), gateway()]);
await sleep(KILL_AT * 1000 - (Date.now() - started));
const pid = victimPid();
log(`t=${KILL_AT}s kill -9 kafka-${VICTIM} (pid ${pid}), answered so far ${answered.size}`);
process.kill(pid, 'SIGKILL');
const killedAt = Date.now();
// The controller fences the dead broker after broker.session.timeout.ms (9 s) and shrinks the ISRs.
let duringLoss = await describeBenchTopics();
while (!duringLoss.isrSizes.includes(2) && Date.now() - killedAt < 30000) {
  await sleep(1000);
  duringLoss = await describeBenchTopics();
}
const isrShrunkSeconds = (Date.now() - killedAt) / 1000;
log(`with one broker gone (ISR shrunk after about ${isrShrunkSeconds.toFixed(1)} s): ${JSON.stringify(duringLoss)}`);
await sleep(RESTART_AT * 1000 - (Date.now() - started));
log(`t=${RESTART_AT}s starting kafka-${VICTIM} again, answered so far ${answered.size}`);
const restartAt = Date.now();
await stack('up', `kafka-${VICTIM}`);
const restartMs = Date.now() - restartAt;
log(`kafka-${VICTIM} ready after ${(restartMs / 1000).toFixed(1)} s`);
let urp = await underReplicated();
while (urp.length > 0 && Date.now() - restartAt < 300000) {
  await sleep(1000);
  urp = await underReplicated();
}
const catchUpMs = Date.now() - restartAt;
log(`under-replicated partitions after the restart: ${urp.length} (${(catchUpMs / 1000).toFixed(1)} s after the restart)`);
const remaining = started + SECONDS * 1000 - Date.now();
if (remaining > 0) await sleep(remaining);
stop = true;
await load;
clearInterval(ticker);
const afterCatchUp = await describeBenchTopics();
log(`load done (${stats.posted} posted, ${answered.size} answered); waiting for the read model`);

const { lost, duplicated } = await readModelVerdict(answered, 180000);
await Promise.all(Object.values(apps).map(stopApp));

const ms = latencies.map(([, l]) => l).sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)];
const slowest = latencies.reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0]);
const result = {
  drill: 'broker-loss', brokers: BENCH.brokers, seconds: SECONDS, killAt: KILL_AT, restartAt: RESTART_AT, victim: `kafka-${VICTIM}`,
  ...stats, answered: answered.size, acceptedTwiceAsNew: [...acceptedNew.values()].filter((n) => n > 1).length,
  window503: first503.at === null ? null : [first503.at, first503.last],
  isrShrunkSeconds, restartSeconds: restartMs / 1000, catchUpSeconds: catchUpMs / 1000, underReplicatedAtEnd: urp.length,
  latencyMs: { p50: pct(50), p99: pct(99), max: slowest[1], maxPostedAtSecond: slowest[0] },
  duringLoss, afterCatchUp, perSecond, lost, duplicated,
};
writeJson('drill-broker-loss.json', result);
console.log(
  `broker-loss  ${answered.size} accepted  ${stats.unavailable503} x 503${result.window503 ? ` (t=${result.window503[0].toFixed(1)}..${result.window503[1].toFixed(1)} s)` : ''}  ` +
    `${stats.connectionErrors} connection errors  ${stats.timeouts} timeouts  AppRec p50/p99/max ${pct(50)}/${pct(99)}/${slowest[1]} ms  ISR ${duringLoss.isrSizes.join('/')} after the kill, back to ${afterCatchUp.isrSizes.join('/')} ${result.catchUpSeconds.toFixed(1)} s after the restart (node ready in ${result.restartSeconds.toFixed(1)} s)  =>  ${lost} lost, ${duplicated} duplicated`,
);
if (lost > 0 || duplicated > 0 || urp.length > 0) process.exitCode = 1;
