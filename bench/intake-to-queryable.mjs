// Sustained throughput and end-to-end latency from POST /v1/messages (AppRec OK) until the
// message is visible in the read model the read API serves, with intake, normalizer and
// projector as separate processes on this machine.
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { BENCH_DB_URL, benchEnv, dist, peakRssMiB, percentile, processCpuSeconds, resetBenchState, sleep, stackCpuSeconds, startApp, stopApp } from './lib/common.mjs';

const require = createRequire(import.meta.url);

/**
 * CPU seconds so far of each PostgreSQL backend serving the hub's apps, by app: the apps name
 * their connections `hendelseslager-<app>` (pg_stat_activity), and /proc has each backend's CPU.
 */
async function postgresCpuByBackend(db) {
  const rows = (await db.query(`SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'hendelseslager-%'`)).rows;
  const out = new Map();
  for (const r of rows) {
    const seconds = processCpuSeconds(r.pid);
    if (Number.isFinite(seconds)) out.set(r.pid, { app: r.application_name.slice('hendelseslager-'.length), seconds });
  }
  return out;
}

/**
 * How often the poller looks for the messages not yet visible (BENCH_POLL_MS, default 10): a
 * latency is measured to the first poll that finds the message, so it includes up to one period
 * of the poller's own (half of it on average).
 */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);

/**
 * The kommuner each message belongs to, decided as intake decides them (the apps' directory and
 * every party's HER-id), by MsgId: the poller then finds a message by the read model's key,
 * (kommunenummer, msg_id), at the cost of its pending messages only, instead of every version.
 */
function kommunerByMsgId(batches, directoryPath) {
  const { parseMessage } = dist('messages');
  const { allPartyHerIds } = dist('normalization');
  const { KommuneDirectory } = dist('directory');
  const directory = new KommuneDirectory(directoryPath);
  const every = directory.list().map((e) => e.kommunenummer);
  const out = new Map();
  for (const bytes of batches.flat()) {
    let parsed;
    try {
      parsed = parseMessage(bytes);
    } catch {
      continue; // intake refuses it too: never pending
    }
    const kommuner = directory.kommunerFor(allPartyHerIds(parsed));
    // An AppRec naming no party of the directory belongs where its original went: any of them.
    out.set(parsed.msgId, kommuner.length ? kommuner : every);
  }
  // A MsgId not found here (sent encoded, or a message the bench could not read) is looked for in every kommune.
  return { of: (msgId) => out.get(msgId) ?? every };
}

/**
 * The apps' own account of the pipeline's delay, by stage (libs/observability
 * `hendelseslager_pipeline_delay_seconds`: from a message's receipt until the normalizer has its
 * event acknowledged, and until the projector has committed it), summed over the given ports'
 * /metrics: cumulative count per bucket bound, per stage.
 */
async function pipelineDelayBuckets(ports, token) {
  return histogramBuckets(ports, token, 'hendelseslager_pipeline_delay_seconds', 'stage');
}

/**
 * A histogram of the apps' /metrics on these ports, summed: per value of `label`, cumulative count
 * per bucket bound. A diagnostic beside the measurement: an app that does not answer leaves it
 * empty (and says so) rather than ending the run.
 */
async function histogramBuckets(ports, token, metric, label) {
  try {
    return await scrapeHistogram(ports, token, metric, label);
  } catch (error) {
    process.stderr.write(`[intake-to-queryable] ${metric} not read: ${error.message}\n`);
    return {};
  }
}

async function scrapeHistogram(ports, token, metric, label) {
  const out = {};
  for (const port of ports) {
    const text = await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/metrics on ${port}: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${metric}_bucket{`)) continue;
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
      const stage = (out[labels[label]] ??= new Map());
      stage.set(bound, (stage.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return out;
}

/**
 * Per stage, what was observed between two readings of pipelineDelayBuckets: the count, p50 and
 * p99 in ms interpolated within their bucket as Prometheus' histogram_quantile does, and the share
 * over 100 ms (exact: 0.1 s is a bucket bound).
 */
function stageDelays(before, after) {
  const out = {};
  for (const [stage, buckets] of Object.entries(after)) {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    const cumulative = bounds.map((b) => buckets.get(b) - (before[stage]?.get(b) ?? 0));
    const total = cumulative.at(-1) ?? 0;
    if (total === 0) continue;
    const quantile = (q) => {
      const rank = q * total;
      const i = cumulative.findIndex((c) => c >= rank);
      if (bounds[i] === Infinity) return bounds[i - 1] * 1000;
      const [lo, below] = i === 0 ? [0, 0] : [bounds[i - 1], cumulative[i - 1]];
      return (lo + ((bounds[i] - lo) * (rank - below)) / Math.max(1, cumulative[i] - below)) * 1000;
    };
    out[stage] = { count: total, p50Ms: quantile(0.5), p99Ms: quantile(0.99), over100MsShare: 1 - cumulative[bounds.indexOf(0.1)] / total };
  }
  return out;
}

/**
 * `env`: more environment for the three apps (e.g. a replication factor for a three-broker cluster).
 * `warmup`: messages posted first and waited for until visible, outside every figure: without
 * them the figures include each process's first minute (its JIT compiling the hot paths, first
 * topic and schema lookups), which a hub running for days does not pay per message.
 * `onMeasureStart(apps)` runs before the measured part begins and `onMeasureEnd(apps)` after it,
 * while the apps still run (bench/round-trips.mjs counts the apps' round trips in between).
 */
export async function intakeToQueryable({ messages, warmup = [], concurrency, pacedMessages = [], pacedFractions = [0.5, 0.8], pacedSeconds = 20, basePort = 3310, timeoutMs = 600000, nodeArgs = [], env: extraEnv = {}, hub = false, log = () => undefined, onMeasureStart = async () => undefined, onMeasureEnd = async () => undefined }) {
  await resetBenchState();
  const env = benchEnv(extraEnv);
  const kommuner = kommunerByMsgId([warmup, messages, pacedMessages], env.HENDELSESLAGER_DIRECTORY);
  const apps = {};
  if (hub) {
    // The all-in-one hub (every app in one process, as `npm run demo` and small installations run
    // it): intake on basePort; its CPU also covers what the split run leaves out (notifier, audit).
    apps.hub = await startApp('hub', env, basePort, nodeArgs);
  } else {
    apps.intake = await startApp('intake', env, basePort, nodeArgs);
    apps.normalizer = await startApp('normalizer', env, basePort + 1, nodeArgs);
    apps.projector = await startApp('projector', env, basePort + 2, nodeArgs);
  }
  const rss = Object.fromEntries(Object.keys(apps).map((name) => [name, 0]));
  const rssTimer = setInterval(() => {
    for (const [name, child] of Object.entries(apps)) rss[name] = Math.max(rss[name], peakRssMiB(child.pid) || 0);
  }, 500);

  const { mintDevToken } = dist('auth');
  const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const metricsToken = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-metrics', scopes: ['metrics:read'], kommuner: ['*'], audience: 'hendelseslager' });
  // The processes holding the normalizer and the projector: their /metrics split a paced phase's latency by stage.
  const stagePorts = hub ? [basePort] : [basePort + 1, basePort + 2];
  const accepted = new Map(); // msgId -> accept time (ms)
  const seen = new Map(); // msgId -> first time visible
  const pending = new Set(); // accepted, not yet seen
  const outcomes = {};
  // node:http with keep-alive rather than fetch: the load generator shares the two cores with
  // the hub, and fetch costs it about twice the CPU per request.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' };
  const send = (body) =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: basePort, path: '/v1/messages', method: 'POST', agent, headers: { ...headers, 'Content-Length': body.length } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve({ status: res.statusCode, outcome: res.headers['x-intake-outcome'], msgId: res.headers['x-original-msg-id'] }));
      });
      req.on('error', (e) => resolve({ status: String(e.code ?? e) }));
      req.end(body);
    });
  const post = async (body) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const response = await send(body);
      if (response.status === 503 || typeof response.status === 'string') {
        await sleep(200);
        continue;
      }
      const outcome = response.outcome ?? `HTTP ${response.status}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ACCEPTED' && response.msgId) {
        accepted.set(response.msgId, performance.now());
        pending.add(response.msgId);
      }
      return;
    }
    outcomes.GAVE_UP = (outcomes.GAVE_UP ?? 0) + 1;
  };

  // Poll the read model for every accepted message until it is visible (through every phase).
  const { Client } = require('pg');
  // Named like the apps' pools, so its share of PostgreSQL's CPU is reported apart (the benchmark's, not the hub's).
  const db = new Client({ connectionString: BENCH_DB_URL, application_name: 'hendelseslager-bench-poller' });
  await db.connect();
  const schema = (await db.query(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`)).rows[0].active_schema;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (pending.size) {
        const keys = { kommuner: [], ids: [] };
        for (const id of pending) {
          for (const knr of kommuner.of(id)) {
            keys.kommuner.push(knr);
            keys.ids.push(id);
          }
        }
        // Index probes on the read model's key, one per pending (kommune, MsgId): the poll's cost
        // follows the pending messages, not the table, so it can poll often (EXPLAIN: a nested
        // loop over message_versions_pkey).
        const rows = (
          await db.query(`SELECT DISTINCT v.msg_id FROM unnest($1::char(4)[], $2::text[]) AS p(knr, id) JOIN "${schema}".message_versions v ON v.kommunenummer = p.knr AND v.msg_id = p.id`, [keys.kommuner, keys.ids])
        ).rows;
        const now = performance.now();
        for (const r of rows) {
          seen.set(r.msg_id, now);
          pending.delete(r.msg_id);
        }
      }
      await sleep(POLL_MS);
    }
  })();

  if (warmup.length > 0) {
    let w = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (w < warmup.length) await post(warmup[w++]);
    }));
    const warmDeadline = performance.now() + timeoutMs;
    while (seen.size < accepted.size && performance.now() < warmDeadline) await sleep(100);
    if (seen.size < accepted.size) throw new Error(`warm-up: ${accepted.size - seen.size} of ${accepted.size} messages not visible`);
    log(`warm-up: ${warmup.length} messages posted and visible`);
    accepted.clear();
    seen.clear();
    pending.clear();
    for (const k of Object.keys(outcomes)) delete outcomes[k];
  }
  await onMeasureStart(apps);
  // CPU of each app process (user + system, /proc) and of this load generator, over the measured part.
  const cpuBefore = Object.fromEntries(Object.entries(apps).map(([name, child]) => [name, processCpuSeconds(child.pid)]));
  const ownCpuBefore = process.cpuUsage();
  const stackCpuBefore = stackCpuSeconds();
  // Each backend's CPU when the measured part starts (or 0 for one that starts during it) and as
  // last seen, sampled every 500 ms: a backend that ends meanwhile (pooled connections are replaced
  // after CONNECTION_MAX_LIFETIME_SECONDS, idle ones after 10 s) is counted up to its last sample
  // instead of dropped from the split by app.
  const backends = new Map();
  let backendsKnown = false;
  const sampleBackends = async () => {
    for (const [pid, b] of await postgresCpuByBackend(db)) {
      const known = backends.get(pid);
      if (known) known.last = b.seconds;
      else backends.set(pid, { app: b.app, first: backendsKnown ? 0 : b.seconds, last: b.seconds });
    }
    backendsKnown = true;
  };
  await sampleBackends();
  const backendTimer = setInterval(() => void sampleBackends().catch(() => undefined), 500);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) await post(messages[next++]);
    }),
  );
  const postingDone = performance.now();
  log(`posted ${messages.length} in ${((postingDone - started) / 1000).toFixed(1)} s; waiting for projection`);
  const deadline = performance.now() + timeoutMs;
  while (seen.size < accepted.size && performance.now() < deadline) await sleep(100);
  const finished = Math.max(...seen.values());
  const endToEndRate = seen.size / ((finished - started) / 1000);
  const latencies = [...seen.entries()].map(([id, t]) => t - accepted.get(id)).sort((a, b) => a - b);
  const saturation = { accepted: accepted.size, visible: seen.size };

  // Paced (open loop): gateways offering a steady rate below the saturation rate just measured,
  // as real gateways do; latency is then the pipeline's own, not the backlog's. One phase per
  // fraction of the saturation rate, each with fresh messages.
  const paced = [];
  let pool = pacedMessages.slice();
  for (const fraction of pacedFractions) {
    const rate = Math.max(1, Math.floor(endToEndRate * fraction));
    const batch = pool.splice(0, Math.min(pool.length, rate * pacedSeconds));
    if (batch.length === 0) break;
    const phaseAccepted = new Map();
    const before = new Set(accepted.keys());
    const stagesBefore = await pipelineDelayBuckets(stagePorts, metricsToken);
    const batchesBefore = await histogramBuckets(stagePorts, metricsToken, 'hendelseslager_consumer_batch_duration_seconds', 'group');
    const phaseStart = performance.now();
    const inFlight = [];
    for (let i = 0; i < batch.length; i++) {
      const due = phaseStart + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(post(batch[i]));
    }
    await Promise.all(inFlight);
    const offeredSeconds = (performance.now() - phaseStart) / 1000;
    const phaseDeadline = performance.now() + 120000;
    const mine = () => [...accepted.keys()].filter((id) => !before.has(id));
    while (mine().some((id) => !seen.has(id)) && performance.now() < phaseDeadline) await sleep(100);
    for (const id of mine()) phaseAccepted.set(id, accepted.get(id));
    const lat = [...phaseAccepted.entries()].filter(([id]) => seen.has(id)).map(([id, t]) => seen.get(id) - t).sort((a, b) => a - b);
    const stages = stageDelays(stagesBefore, await pipelineDelayBuckets(stagePorts, metricsToken));
    // Each consumer group's batches over the phase (how many, how long one took to handle).
    const batches = stageDelays(batchesBefore, await histogramBuckets(stagePorts, metricsToken, 'hendelseslager_consumer_batch_duration_seconds', 'group'));
    paced.push({
      fraction, offeredPerSecond: rate, messages: batch.length, accepted: phaseAccepted.size, visible: lat.length,
      lost: phaseAccepted.size - lat.length, achievedPerSecond: phaseAccepted.size / offeredSeconds,
      latencyP50Ms: percentile(lat, 50), latencyP99Ms: percentile(lat, 99), overMs100Share: lat.filter((l) => l > 100).length / Math.max(1, lat.length),
      /** The apps' histograms over the phase, from receipt: normalized, projected. */
      stages,
      /** Per consumer group: batches handled in the phase (count) and the time one took (p50, p99). */
      batches,
    });
    const byStage = Object.entries(stages).map(([stage, d]) => `${stage} p50 ${Math.round(d.p50Ms)} / p99 ${Math.round(d.p99Ms)} ms, ${(100 * d.over100MsShare).toFixed(1)} % over 100`).join('; ');
    log(`paced ${rate} msg/s (${Math.round(fraction * 100)} % of saturation): p50 ${Math.round(percentile(lat, 50))} ms, p99 ${Math.round(percentile(lat, 99))} ms, ${(100 * paced.at(-1).overMs100Share).toFixed(1)} % over 100; the apps' own from receipt: ${byStage}`);
    log(`  batches handled: ${Object.entries(batches).map(([group, d]) => `${group.split('.').slice(1).join('.')} ${d.count} (p50 ${d.p50Ms.toFixed(1)} / p99 ${d.p99Ms.toFixed(1)} ms)`).join('; ')}`);
  }

  polling = false;
  await poller;

  const cpuMsPerMessage = Object.fromEntries(
    Object.entries(apps).map(([name, child]) => [name, ((processCpuSeconds(child.pid) - cpuBefore[name]) * 1000) / Math.max(1, accepted.size)]),
  );
  const ownCpu = process.cpuUsage(ownCpuBefore);
  cpuMsPerMessage.loadGenerator = (ownCpu.user + ownCpu.system) / 1000 / Math.max(1, accepted.size);
  // The other side of the apps' round trips, on the same cores (the poller's queries included, a few per second).
  const stackCpu = stackCpuSeconds();
  cpuMsPerMessage.postgresql = ((stackCpu.postgresql - stackCpuBefore.postgresql) * 1000) / Math.max(1, accepted.size);
  cpuMsPerMessage.kafkaBroker = ((stackCpu.kafka - stackCpuBefore.kafka) * 1000) / Math.max(1, accepted.size);
  // PostgreSQL's share by app: every backend seen, to its last sample (a backend that ended between
  // samples loses at most its last 500 ms, which stays in the total above).
  clearInterval(backendTimer);
  await sampleBackends();
  const postgresqlByApp = {};
  for (const b of backends.values()) {
    postgresqlByApp[b.app] = (postgresqlByApp[b.app] ?? 0) + ((b.last - b.first) * 1000) / Math.max(1, accepted.size);
  }
  clearInterval(rssTimer);
  for (const [name, child] of Object.entries(apps)) rss[name] = Math.max(rss[name], peakRssMiB(child.pid) || 0);
  await onMeasureEnd(apps);
  await db.end();
  await Promise.all(Object.values(apps).map(stopApp));

  // Per-second series for the chart: accepted and visible counts, median latency of those visible.
  const series = [];
  // The whole run: the saturation phase, then the paced phases.
  const seconds = Math.ceil((Math.max(...seen.values()) - started) / 1000);
  for (let s = 0; s < seconds; s++) {
    const lo = started + s * 1000;
    const hi = lo + 1000;
    const acceptedIn = [...accepted.values()].filter((t) => t >= lo && t < hi).length;
    const visible = [...seen.entries()].filter(([, t]) => t >= lo && t < hi);
    const lat = visible.map(([id, t]) => t - accepted.get(id)).sort((a, b) => a - b);
    series.push({ second: s, accepted: acceptedIn, visible: visible.length, p50Ms: lat.length ? percentile(lat, 50) : null });
  }
  return {
    messages: messages.length,
    accepted: saturation.accepted,
    visible: saturation.visible,
    /** Accepted but never visible, over every phase. */
    lost: accepted.size - seen.size,
    outcomes,
    concurrency,
    acceptRate: accepted.size / ((postingDone - started) / 1000),
    endToEndRate,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    peakRssMiB: rss,
    cpuMsPerMessage,
    /** PostgreSQL's CPU ms per message by the app whose connections asked (see postgresCpuByBackend). */
    postgresqlByApp,
    paced,
    series,
  };
}
