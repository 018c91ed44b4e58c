// What many kommuner cost an idle installation (#15): for 1, 100 and 357 kommuner of the national
// directory (config/kommuner-2024.yaml), the compiled hub (all apps in one process) is started
// against a broker, and this measures
//   - provisioning: from the hub's start until every kommune's topics exist (readiness' topic check),
//   - start-to-ready: until GET /health/ready answers 200,
//   - consumers settled: the last "Consumer started" of the pattern consumers (each restarts when
//     it sees new topics, so this is when the last rebalance began),
//   - idle CPU of the hub and of the broker over --idle-s seconds with no message traffic
//     (/proc CPU seconds, as % of one core), and their RSS at the end; the broker's CPU before
//     the hub starts (empty) and, after it stopped, with the topics and no client (--topics-only-s),
//   - the broker's live heap: used heap after a full GC (jcmd), what its topics really hold
//     (its RSS only grows: the JVM keeps the heap it once had).
// Each case has its own topic namespace, deleted afterwards so the next case starts from an empty broker.
//
// The 357 case creates 1,428 topics (4,284 partitions at 3 each). Do not run it against a broker
// other people use: start one of your own with tools/stack (see bench/README.md, "Many kommuner").
//
//   - intake → queryable latency once every kommune is provisioned and idle: --probe messages
//     (30) at --probe-rate per second (2), each to another kommune, from AppRec OK until the read
//     model has the message (the hub wakes from idle fetches for each),
//   - `hendelseslager status` for every kommune, timed while the hub runs,
//   - with --join: the rebalance when a second instance joins. A second hub (same namespace and
//     database) is started; from its start until every consumer group of the namespace is Stable
//     with two members, each holding partitions (Kafka's DescribeGroups, asked every 250 ms), and
//     until the second hub is ready. The probe runs again from the join on, posted to the first
//     hub, so its latency shows the pause the rebalance costs a message sent meanwhile.
// usage: npm run build && HLTEST_SUFFIX=me KAFKA_BROKERS=127.0.0.1:19092 SCHEMA_REGISTRY_URL=... \
//          BENCH_BROKER_PID_FILE=/tmp/my-stack/run/kafka.pid node bench/many-kommuner.mjs \
//          [--kommuner 1,100,357] [--partitions N] [--idle-s 60] [--settle-s 20] [--env KEY=VALUE]... [--label TEXT] [--join]
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { BENCH, BENCH_DB_URL, OUT, ROOT, benchEnv, dist, percentile, processCpuSeconds, nodeHeapFlags, resetBenchState, sleep, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const { parse } = require('yaml');
const { Kafka, logLevel } = require('kafkajs');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const counts = opt('kommuner', '1,100,357').split(',').map(Number);
const partitions = opt('partitions') ? Number(opt('partitions')) : undefined;
const idleS = Number(opt('idle-s', '60'));
const settleS = Number(opt('settle-s', '20'));
/** After the hub stopped: the broker's CPU over this many seconds with the case's topics and no client. */
const topicsOnlyS = Number(opt('topics-only-s', '30'));
const label = opt('label', '');
/** After the idle measurement: this many messages, to kommuner picked in turn across the directory, at --probe-rate per second. */
const probeCount = Number(opt('probe', '30'));
const probeRate = Number(opt('probe-rate', '2'));
const join_ = args.includes('--join');
const extraEnv = Object.fromEntries(args.flatMap((a, i) => (a === '--env' ? [args[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
const brokerPidFile = process.env.BENCH_BROKER_PID_FILE ?? join(ROOT, '.stack', 'run', 'kafka.pid');
/** A port free right now (BENCH_PORT to choose one), so readiness is asked of this run's hub, not of another's. */
const port = Number(process.env.BENCH_PORT ?? (await freePort()));

if (Math.max(...counts) > 100 && /(^|,)(127\.0\.0\.1|localhost):9092(,|$)/.test(BENCH.brokers) && !process.env.BENCH_ALLOW_SHARED_BROKER) {
  console.error('Refusing more than 100 kommuner on the shared broker 127.0.0.1:9092 (its 768 MB heap died of 357 in #15).');
  console.error('Start a broker of your own (bench/README.md, "Many kommuner") or set BENCH_ALLOW_SHARED_BROKER=1.');
  process.exit(2);
}

const national = parse(readFileSync(join(ROOT, 'config', 'kommuner-2024.yaml'), 'utf8')).kommuner;
if (national.length !== 357) throw new Error(`config/kommuner-2024.yaml has ${national.length} kommuner, expected 357`);

function directoryFile(n) {
  // One kommune: Oslo; more: the first n by kommunenummer (the file's order).
  const chosen = n === 1 ? national.filter((k) => k.kommunenummer === '0301') : national.slice(0, n);
  const lines = chosen.map((k, i) => `  - { kommunenummer: "${k.kommunenummer}", navn: ${JSON.stringify(k.navn)}, herIds: [${990000 + i}]${partitions ? `, partitions: ${partitions}` : ''} }`);
  const file = join(mkdtempSync(join(tmpdir(), 'many-kommuner-')), 'directory.yaml');
  writeFileSync(file, `kommuner:\n${lines.join('\n')}\n`);
  return file;
}

function rssMiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** The broker's live heap: used heap after a full GC (`jcmd GC.run`), in MiB; NaN without jcmd. */
function brokerLiveHeapMiB(pid) {
  try {
    execFileSync('jcmd', [String(pid), 'GC.run'], { timeout: 60000 });
    const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { timeout: 60000 }).toString();
    return Math.round(Number(/heap\s+total \d+K, used (\d+)K/.exec(info)?.[1] ?? NaN) / 1024);
  } catch {
    return NaN;
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
}

async function readiness(at = port) {
  try {
    const res = await fetch(`http://127.0.0.1:${at}/health/ready`);
    return { status: res.status, body: await res.json() };
  } catch {
    return { status: 0, body: undefined };
  }
}

/**
 * Messages to kommune after kommune (receiver HER-id 990000 + i, as in directoryFile), paced; the
 * time from the AppRec OK until the read model holds the message. Each kommune's topics were idle.
 */
async function latencyProbe(env, n, at = port) {
  const testing = dist('testing');
  const token = await dist('auth').mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const { Client } = require('pg');
  const db = new Client({ connectionString: BENCH_DB_URL });
  await db.connect();
  const accepted = new Map();
  const seen = new Map();
  const outcomes = {};
  const schema = (await db.query(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`)).rows[0].active_schema;
  // Looks for the accepted messages from the first post on, so each one's time is its own (not the rest of the posting).
  let posting = true;
  const poller = (async () => {
    const deadline = performance.now() + 180000;
    while ((posting || seen.size < accepted.size) && performance.now() < deadline) {
      const pending = [...accepted.keys()].filter((id) => !seen.has(id));
      if (pending.length) {
        const rows = (await db.query(`SELECT DISTINCT msg_id FROM "${schema}".message_versions WHERE msg_id = ANY($1)`, [pending])).rows;
        for (const r of rows) seen.set(r.msg_id, performance.now());
      }
      await sleep(20);
    }
  })();
  try {
    const started = performance.now();
    const posts = [];
    for (let i = 0; i < probeCount; i++) {
      const due = started + (i * 1000) / probeRate;
      if (due > performance.now()) await sleep(due - performance.now());
      const kommune = Math.floor(((i * 7919) % probeCount) * (n / probeCount)) % n;
      const body = testing.buildMessage({
        kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: randomUUID(), documentId: randomUUID(), genDate: '2024-01-02T08:00:00',
        sender: { organisation: [{ name: 'Probe legekontor', herId: '91096' }] },
        receiver: { organisation: [{ name: `Kommune ${kommune}`, herId: String(990000 + kommune) }] },
        patient: { familyName: 'Probe', givenName: `P${i}`, birthDate: '1950-01-01', sex: '2', fnr: testing.fnr('1950-01-01', 100 + i) },
        services: [{ iplosCode: '15', description: 'Hjemmesykepleie', amount: '1', unit: 'time hver dag', startDate: '2024-01-03' }],
      });
      posts.push(
        fetch(`http://127.0.0.1:${at}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body })
          .then(async (res) => {
            await res.arrayBuffer();
            const outcome = res.headers.get('x-intake-outcome') ?? `HTTP ${res.status}`;
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            if (outcome === 'ACCEPTED') accepted.set(res.headers.get('x-original-msg-id'), performance.now());
          })
          .catch((error) => (outcomes[String(error.cause?.code ?? error)] = (outcomes[String(error.cause?.code ?? error)] ?? 0) + 1)),
      );
    }
    await Promise.all(posts);
    posting = false;
    await poller;
  } finally {
    posting = false;
    await poller.catch(() => undefined);
    await db.end();
  }
  const latencies = [...seen].map(([id, t]) => t - accepted.get(id)).sort((a, b) => a - b);
  return { offered: probeCount, perSecond: probeRate, outcomes, accepted: accepted.size, visible: seen.size, p50Ms: Math.round(percentile(latencies, 50)), p99Ms: Math.round(percentile(latencies, 99)), maxMs: Math.round(latencies.at(-1) ?? NaN) };
}

/**
 * `hendelseslager status` for every kommune while the hub runs: what an operator waits for. Its
 * answer must list every kommune with its topics (else the figure is not the whole country's).
 */
function statusTiming(env, n) {
  const t0 = Date.now();
  const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'apps', 'ops-cli', 'src', 'main.js'), '--json', 'status'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600000,
  });
  const ms = Date.now() - t0;
  const kommuner = JSON.parse(out.toString()).kommuner.filter((k) => k.topicsProvisioned).length;
  if (kommuner !== n) throw new Error(`status listed ${kommuner} provisioned kommuner of ${n}`);
  return { ms, kommuner };
}

async function deleteNamespace(namespace) {
  const admin = new Kafka({ clientId: 'bench-many-kommuner', brokers: BENCH.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${namespace}.`));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
    for (let i = 0; i < topics.length; i += 200) await admin.deleteTopics({ topics: topics.slice(i, i + 200), timeout: 120000 });
    // Deletion is asynchronous: wait until the broker no longer lists them, so the next case
    // does not start beside topics on their way out.
    const deadline = Date.now() + 120000;
    while ((await admin.listTopics()).some((t) => t.startsWith(`${namespace}.`)) && Date.now() < deadline) await sleep(500);
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

/**
 * A second instance joins (--join): from its start until every consumer group of the namespace is
 * Stable with two members that each hold partitions, and until the new instance is ready; the
 * probe runs meanwhile against the first instance.
 */
async function joinSecondInstance(env, n, namespace) {
  const secondPort = await freePort();
  const admin = new Kafka({ clientId: 'bench-many-kommuner-join', brokers: BENCH.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${namespace}.`));
  const started = Date.now();
  const second = spawn(process.execPath, [...nodeHeapFlags('hub'), join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(secondPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  second.stdout.pipe(createWriteStream(join(OUT, `many-kommuner-${n}-hub2.log`)));
  let stderr = '';
  second.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  const probe = probeCount > 0 ? latencyProbe(env, n) : undefined;
  let stableMs;
  let readyMs;
  let lastStates = {};
  /** When each group was first Stable with both members holding partitions (ms from the join). */
  const groupStableMs = {};
  try {
    const deadline = Date.now() + 600000;
    while (stableMs === undefined || readyMs === undefined) {
      if (second.exitCode !== null) throw new Error(`second hub exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`join not settled after 10 minutes: ${JSON.stringify(lastStates)}`);
      if (readyMs === undefined && (await readiness(secondPort)).status === 200) readyMs = Date.now() - started;
      if (stableMs === undefined) {
        const described = (await admin.describeGroups(groups)).groups;
        lastStates = Object.fromEntries(described.map((g) => [g.groupId, `${g.state}/${g.members.length}`]));
        // Stable with both members, and each holding partitions where the group has two or more to share.
        for (const g of described) {
          const held = g.members.map((m) => (m.memberAssignment.length ? assignedPartitions(m.memberAssignment) : 0));
          const total = held.reduce((a, b) => a + b, 0);
          const shared = g.state === 'Stable' && g.members.length === 2 && total > 0 && (total < 2 || held.every((h) => h > 0));
          if (shared) groupStableMs[g.groupId.slice(namespace.length + 1)] ??= Date.now() - started;
          else delete groupStableMs[g.groupId.slice(namespace.length + 1)];
        }
        if (Object.keys(groupStableMs).length === groups.length) stableMs = Date.now() - started;
      }
      await sleep(250);
    }
    return { groups: groups.length, stableMs, groupStableMs, secondReadyMs: readyMs, probe: await probe, firstStillReady: (await readiness()).status === 200 };
  } finally {
    await admin.disconnect();
    await new Promise((resolve) => {
      if (second.exitCode !== null) return resolve();
      second.once('exit', resolve);
      second.kill('SIGTERM');
      setTimeout(() => second.kill('SIGKILL'), 20000).unref();
    });
  }
}

/** How many partitions a consumer-protocol assignment (version, then topic → partitions) names. */
function assignedPartitions(assignment) {
  const { AssignerProtocol } = require('kafkajs');
  const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
  return Object.values(decoded?.assignment ?? {}).reduce((sum, partitions) => sum + partitions.length, 0);
}

async function runCase(n) {
  const brokerPid = Number(readFileSync(brokerPidFile, 'utf8').split('\n')[0].trim()); // pid file: pid, then port
  // A namespace of this run's own: topics of an earlier run may still be being deleted.
  const namespace = `${BENCH.namespace}-n${n}-${Date.now().toString(36).slice(-5)}`.slice(-31).replace(/^[^a-z]+/, 'b');
  const brokerIdle0 = processCpuSeconds(brokerPid);
  await sleep(10000);
  const brokerEmptyPct = ((processCpuSeconds(brokerPid) - brokerIdle0) / 10) * 100;

  const env = benchEnv({ HENDELSESLAGER_NAMESPACE: namespace, HENDELSESLAGER_DIRECTORY: directoryFile(n), LOG_LEVEL: 'info', ...extraEnv });
  const started = Date.now();
  // BENCH_HUB_NODE_ARGS: node flags for the measured hub, e.g. "--cpu-prof --cpu-prof-dir=bench/out/profiles".
  const nodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const hub = spawn(process.execPath, [...nodeHeapFlags('hub'), ...nodeArgs, join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const consumerStarts = [];
  let provisionLogMs = 0;
  let warnings = 0;
  const warningKinds = new Map();
  let pending = '';
  // Each hub's log to bench/out (topic names and counts, no message content), to see afterwards
  // what the consumers did, e.g. during a join.
  hub.stdout.pipe(createWriteStream(join(OUT, `many-kommuner-${n}-hub1.log`)));
  hub.stdout.on('data', (d) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'Consumer started') consumerStarts.push({ at: Date.now() - started, group: entry.groupId, topics: entry.topics });
        if (entry.msg === 'Kommune topics ready') provisionLogMs += entry.ms ?? 0;
        if (entry.level === 'warn' || entry.level === 'error') {
          warnings += 1;
          const key = `${entry.context ?? ''}: ${entry.msg}${entry.error ? ` (${String(entry.error).slice(0, 80)})` : ''}`;
          warningKinds.set(key, (warningKinds.get(key) ?? 0) + 1);
        }
      } catch {
        // not a log line
      }
    }
  });
  let stderr = '';
  hub.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));

  let provisionedMs;
  let readyMs;
  const deadline = Date.now() + 600000;
  while (readyMs === undefined) {
    if (hub.exitCode !== null) throw new Error(`hub exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error('hub not ready after 10 minutes');
    const { status, body } = await readiness();
    if (provisionedMs === undefined && body?.checks?.topics?.ok) provisionedMs = Date.now() - started;
    if (status === 200) readyMs = Date.now() - started;
    else await sleep(250);
  }
  await sleep(settleS * 1000);

  const hub0 = processCpuSeconds(hub.pid);
  const broker0 = processCpuSeconds(brokerPid);
  await sleep(idleS * 1000);
  const hubIdlePct = ((processCpuSeconds(hub.pid) - hub0) / idleS) * 100;
  const brokerIdlePct = ((processCpuSeconds(brokerPid) - broker0) / idleS) * 100;
  const probe = probeCount > 0 ? await latencyProbe(env, n) : undefined;
  const status = statusTiming(env, n);
  const result = {
    kommuner: n,
    partitionsPerTopic: partitions ?? Number(extraEnv.KAFKA_TOPIC_PARTITIONS ?? 3),
    label,
    env: extraEnv,
    provisionedMs,
    provisionLogMs,
    readyMs,
    consumersSettledMs: Math.max(0, ...consumerStarts.map((c) => c.at)),
    consumerStarts: consumerStarts.length,
    idleS,
    hubIdleCpuPct: Math.round(hubIdlePct * 10) / 10,
    brokerIdleCpuPct: Math.round(brokerIdlePct * 10) / 10,
    brokerEmptyCpuPct: Math.round(brokerEmptyPct * 10) / 10,
    hubRssMiB: Math.round(rssMiB(hub.pid)),
    brokerRssMiB: Math.round(rssMiB(brokerPid)),
    brokerLiveHeapMiB: brokerLiveHeapMiB(brokerPid),
    warnings,
    warningKinds: Object.fromEntries([...warningKinds].sort((a, b) => b[1] - a[1]).slice(0, 5)),
    probe,
    statusMs: status.ms,
    statusKommuner: status.kommuner,
    stillReady: (await readiness()).status === 200,
  };
  if (join_) result.join = await joinSecondInstance(env, n, namespace);
  // How long a graceful stop takes (consumers wait for their fetch in flight); a profiled hub
  // gets longer before SIGKILL, as it writes its profile only when it exits.
  const stopping = Date.now();
  result.stopMs = await new Promise((resolve) => {
    hub.once('exit', (code, signal) => resolve(signal === 'SIGKILL' ? null : Date.now() - stopping));
    hub.kill('SIGTERM');
    setTimeout(() => hub.kill('SIGKILL'), nodeArgs.length ? 120000 : 60000).unref();
  });
  // The broker's own floor with every kommune's topics and no client: what no hub setting can save.
  await sleep(10000);
  const brokerTopics0 = processCpuSeconds(brokerPid);
  await sleep(topicsOnlyS * 1000);
  result.brokerTopicsOnlyCpuPct = Math.round(((processCpuSeconds(brokerPid) - brokerTopics0) / topicsOnlyS) * 1000) / 10;
  result.topicsDeleted = await deleteNamespace(namespace);
  return result;
}

await resetBenchState();
const results = [];
for (const n of counts) {
  const result = await runCase(n);
  results.push(result);
  console.log(JSON.stringify(result));
}
writeJson(`many-kommuner${label ? `-${label.replace(/[^a-z0-9]+/gi, '-')}` : ''}.json`, { at: new Date().toISOString(), brokers: BENCH.brokers, results });
console.log('\n| kommuner | partitions/topic | provisioned | ready | consumers settled | hub idle CPU | broker idle CPU (empty; topics, no hub) | hub RSS | broker RSS | broker live heap | intake → queryable p50 / p99 / max (visible of accepted) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  if (r.join) {
    const p = r.join.probe;
    console.error(`join (${r.kommuner} kommuner): ${r.join.groups} groups stable with two members after ${(r.join.stableMs / 1000).toFixed(1)} s, second instance ready after ${(r.join.secondReadyMs / 1000).toFixed(1)} s${p ? `, probe meanwhile p50 / p99 / max ${p.p50Ms} / ${p.p99Ms} / ${p.maxMs} ms (${p.visible} of ${p.accepted})` : ''}`);
  }
  console.error(`status (${r.kommuner} kommuner): ${(r.statusMs / 1000).toFixed(1)} s`);
  console.log(
    `| ${r.kommuner} | ${r.partitionsPerTopic} | ${(r.provisionedMs / 1000).toFixed(1)} s | ${(r.readyMs / 1000).toFixed(1)} s | ${(r.consumersSettledMs / 1000).toFixed(1)} s | ${r.hubIdleCpuPct} % | ${r.brokerIdleCpuPct} % (${r.brokerEmptyCpuPct} %; ${r.brokerTopicsOnlyCpuPct} %) | ${r.hubRssMiB} MiB | ${r.brokerRssMiB} MiB | ${r.brokerLiveHeapMiB} MiB | ${r.probe ? `${r.probe.p50Ms} / ${r.probe.p99Ms} / ${r.probe.maxMs} ms (${r.probe.visible} of ${r.probe.accepted})` : '–'} |`,
  );
}
