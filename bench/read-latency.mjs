// Read latency of the FHIR API under concurrent clients: loads N patients (an Orientering om
// tjenestetilbud with services and a GP message with diagnoses each, through intake), then
// `clients` concurrent FHIR clients search EpisodeOfCare, Condition and Encounter by patient
// identifier (POST _search, audited like every read) for a fixed time, twice:
//
// - closed loop (saturation): each client sends its next search as soon as the last is answered;
// - paced: each client sends one search every `--interval` ms (50 clients × 100 ms = an offered
//   500 req/s), latency counted from the moment the search was due, so a hub that falls behind
//   is charged for the queueing it causes (no coordinated omission).
//
// Tokens, request bodies and headers are built before the timed phases; requests go through
// node:http with keep-alive (lighter than fetch, so the load generator takes less of the CPU
// it shares with the hub). The hub's and the load generator's CPU time per request are printed
// beside the latencies: on a shared 2-core machine they are steadier than wall-clock figures.
// Prints p50/p90/p99 per resource type and writes bench/out/read-latency.json.
//
//   npm run build && node bench/read-latency.mjs [--patients 500] [--clients 50] [--seconds 20] [--warmup-seconds 10] [--interval 100]
//   node bench/read-latency.mjs --url http://127.0.0.1:3000 --key .stack/dev-issuer/key.json   (a running hub)
//   node bench/read-latency.mjs --split   (intake, normalizer, projector and read-api as separate processes)
//   node bench/read-latency.mjs --node-args="--max-semi-space-size=32"   (more node flags for the reader)
//
// Without --url it starts the compiled hub itself on the bench namespace and database; with
// --split the apps as they are deployed one per process, the reads going to read-api: "hub" in the
// figures is then the read-api process, and the other apps' CPU per read is printed beside it
// (the projector's includes the audit projection). Each phase also prints what the whole machine
// spent per read (the reader, the other apps, the load generator, PostgreSQL and the broker, from
// /proc) with the rate that allows on this machine's cores and, by Little's law, the least mean
// latency of the closed loop's clients; the reader's event-loop delay and GC pauses over the
// phase, and how many reads took over 25 ms inside it (from its /metrics).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { benchEnv, dist, OUT, peakRssMiB, percentile, processCpuSeconds, resetBenchState, sleep, stackCpuSeconds, startApp, stopApp, writeJson } from './lib/common.mjs';

const KOMMUNE = '3428';
const SENDER = { organisation: [{ name: 'Alvdal kommune', herId: '99387' }, { name: 'Hjemmesykepleien', herId: '5078' }] };
const GP = { organisation: [{ name: 'Alvdal legekontor', herId: '56704' }] };
const TYPES = ['EpisodeOfCare', 'Condition', 'Encounter'];

export async function readLatency({ patients = 500, clients = 50, seconds = 20, warmupSeconds = 10, intervalMs = 100, url, keyFile, port = 3420, profile = false, split = false, nodeArgs = [], log = () => undefined }) {
  let hub;
  let env;
  /** With --split: the apps besides read-api, by name. */
  const others = {};
  let intakeUrl = url;
  if (!url) {
    await resetBenchState();
    env = benchEnv();
    keyFile = env.HENDELSESLAGER_DEV_ISSUER_KEY;
    // --profile: a V8 CPU profile of the hub (bench/out/profiles, written when it stops; summarise it with bench/lib/cpuprofile-summary.mjs).
    const profileDir = join(OUT, 'profiles');
    if (profile) mkdirSync(profileDir, { recursive: true });
    // --node-args: more node flags for the reader (after its heap flags, so a heap flag given again wins).
    const profileArgs = [...nodeArgs, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
    if (split) {
      for (const [i, app] of ['intake', 'normalizer', 'projector'].entries()) others[app] = await startApp(app, env, port + 1 + i);
      hub = await startApp('read-api', env, port, profileArgs);
      intakeUrl = `http://127.0.0.1:${port + 1}`;
    } else {
      hub = await startApp('hub', env, port, profileArgs);
      intakeUrl = `http://127.0.0.1:${port}`;
    }
    url = `http://127.0.0.1:${port}`;
  }
  if (!keyFile) throw new Error('--key <dev issuer key file> is needed with --url');
  const { mintDevToken } = dist('auth');
  const testing = dist('testing');
  const gateway = await mintDevToken(keyFile, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: [KOMMUNE], audience: 'hendelseslager' });
  const metricsReader = await mintDevToken(keyFile, { client: 'bench-metrics', scopes: ['metrics:read'], kommuner: [KOMMUNE], audience: 'hendelseslager' });
  // One client system per concurrent client, as in a kommune (the per-client rate limit applies to each).
  const readers = await Promise.all(
    Array.from({ length: clients }, (_, c) => mintDevToken(keyFile, { client: `bench-reader-${c}`, scopes: ['patients:read'], kommuner: [KOMMUNE], audience: 'hendelseslager' })),
  );

  try {
    // Load: two messages per patient, posted by 16 concurrent gateways.
    const people = Array.from({ length: patients }, (_, i) => {
      const birthDate = `19${String(30 + (i % 60)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      return { fnr: testing.fnr(birthDate, 100 + Math.floor(i / 60) % 800), birthDate };
    });
    const unique = [...new Map(people.map((p) => [p.fnr, p])).values()];
    const bodies = unique.flatMap((p, i) => {
      const patient = { familyName: 'Benk', givenName: `Pasient${i}`, birthDate: p.birthDate, sex: i % 2 ? '1' : '2', fnr: p.fnr };
      return [
        testing.buildMessage({
          kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: randomUUID(), sender: SENDER, receiver: GP, patient,
          services: [
            { iplosCode: '15', description: 'Hjemmesykepleie', amount: '1', unit: 'time hver dag', startDate: '2024-01-03' },
            { iplosCode: '12', startDate: '2023-05-01' },
            { iplosCode: '5', amount: '2', unit: 'timer hver uke', startDate: '2022-01-01', endDate: '2023-12-31' },
          ],
        }),
        testing.buildMessage({
          kind: 'HELSEOPPLYSNINGER_LEGE', version: '1.6', status: 'N', msgId: randomUUID(), sender: SENDER, receiver: GP, patient,
          diagnoses: [{ system: 'ICPC2', code: 'K77', text: 'Hjertesvikt', isMain: true }, { system: 'ICPC2', code: 'T90', text: 'Diabetes type 2' }],
        }),
      ];
    });
    log(`loading ${unique.length} patients (${bodies.length} messages) through intake`);
    let next = 0;
    const loadStarted = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          for (let attempt = 0; attempt < 30; attempt++) {
            const response = await fetch(`${intakeUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body });
            await response.arrayBuffer();
            if (response.status !== 503 && response.status !== 429) break;
            await sleep(200);
          }
        }
      }),
    );
    const search = async (type, fnr, reader = readers[0]) => {
      const started = performance.now();
      const response = await fetch(`${url}/fhir/${KOMMUNE}/${type}/_search`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Purpose-Of-Use': 'TREAT' },
        body: new URLSearchParams({ 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${fnr}` }).toString(),
      });
      const body = await response.json();
      return { ms: performance.now() - started, status: response.status, total: body.total };
    };
    // Queryable when the last patients posted have their services and diagnoses.
    const deadline = Date.now() + 600000;
    for (const p of unique.slice(-5)) {
      while ((await search('EpisodeOfCare', p.fnr)).total !== 3 || (await search('Condition', p.fnr)).total !== 2) {
        if (Date.now() > deadline) throw new Error('load did not become queryable in 10 minutes');
        await sleep(250);
      }
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(`loaded and queryable in ${loadSeconds.toFixed(1)} s; ${clients} clients for ${seconds} s`);

    // Everything a timed request needs is built here, outside the timed loops.
    const target = new URL(url);
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const bodyFor = new Map(unique.map((p) => [p.fnr, Buffer.from(new URLSearchParams({ 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${p.fnr}` }).toString())]));
    const headersFor = readers.map((reader) => ({
      Authorization: `Bearer ${reader}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Purpose-Of-Use': 'TREAT',
    }));
    const timedSearch = (type, fnr, c) =>
      new Promise((resolve) => {
        const body = bodyFor.get(fnr);
        const req = request(
          { host: target.hostname, port: target.port, path: `/fhir/${KOMMUNE}/${type}/_search`, method: 'POST', agent, headers: { ...headersFor[c], 'Content-Length': body.length } },
          (res) => {
            res.on('data', () => undefined);
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', (e) => resolve(String(e.code ?? e)));
        req.end(body);
      });

    // Warm-up (every client's token and connection once), then the measured runs.
    await Promise.all(Array.from({ length: clients }, (_, c) => timedSearch(TYPES[c % 3], unique[c % unique.length].fnr, c)));
    const cpu = () => ({
      hub: hub ? processCpuSeconds(hub.pid) * 1000 : NaN,
      // The stack's PostgreSQL and broker on this machine (their CPU for the reads and their audit events).
      stack: hub ? stackCpuSeconds() : { postgresql: NaN, kafka: NaN },
      others: Object.fromEntries(Object.entries(others).map(([app, p]) => [app, processCpuSeconds(p.pid) * 1000])),
      self: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    });
    let rssPeak = 0;
    const rssTimer = hub ? setInterval(() => (rssPeak = Math.max(rssPeak, peakRssMiB(hub.pid) || 0)), 500) : undefined;

    /** One timed phase: `next(c, i)` waits until client c's i-th search is due and returns when it was due. */
    const phase = async (name, due, phaseSeconds = seconds) => {
      log(`${name}: ${clients} clients for ${phaseSeconds} s`);
      const samples = Object.fromEntries(TYPES.map((t) => [t, []]));
      /** How late each search left the load generator after it fell due (its own loop on the shared cores). */
      const sentLate = [];
      const errors = {};
      // Scraping resets prom-client's event-loop delay histogram, so the one after the phase covers only it.
      const runtimeBefore = await readerRuntime(url, metricsReader);
      const started = performance.now();
      const stopAt = started + phaseSeconds * 1000;
      const before = cpu();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let i = 0; ; i++) {
            const dueAt = await due(c, i, started);
            // A client that has fallen behind stops at the end too; what it did not send is counted below.
            if (dueAt >= stopAt || performance.now() >= stopAt) break;
            const type = TYPES[(c + i * clients) % 3];
            const patient = unique[((c + i * clients) * 7919) % unique.length];
            sentLate.push(performance.now() - dueAt);
            const status = await timedSearch(type, patient.fnr, c);
            const ms = performance.now() - dueAt;
            if (status === 200) samples[type].push(ms);
            else errors[status] = (errors[status] ?? 0) + 1;
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      const after = cpu();
      const runtimeAfter = await readerRuntime(url, metricsReader);
      const summarize = (values) => {
        const sorted = values.slice().sort((a, b) => a - b);
        return { requests: sorted.length, perSecond: sorted.length / elapsed, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN };
      };
      const all = summarize(TYPES.flatMap((t) => samples[t]));
      const answered = all.requests + Object.values(errors).reduce((a, b) => a + b, 0);
      return {
        answered,
        byType: Object.fromEntries(TYPES.map((t) => [t, summarize(samples[t])])),
        all,
        errors,
        hubCpuMsPerRequest: (after.hub - before.hub) / answered,
        // --split: each other app's CPU per answered read (the projector's includes the audit projection).
        otherAppsCpuMsPerRequest: Object.fromEntries(Object.keys(others).map((app) => [app, (after.others[app] - before.others[app]) / answered])),
        loadGeneratorCpuMsPerRequest: (after.self - before.self) / answered,
        hubCpuCores: (after.hub - before.hub) / 1000 / elapsed,
        postgresqlCpuMsPerRequest: ((after.stack.postgresql - before.stack.postgresql) * 1000) / answered,
        brokerCpuMsPerRequest: ((after.stack.kafka - before.stack.kafka) * 1000) / answered,
        /**
         * The read API's event loop over the phase: how late its 10 ms timer ran (p99, max; Node's
         * histogram holds the whole interval, so the resolution is taken off), and its GC pauses.
         */
        readerEventLoop: runtimeAfter && runtimeBefore ? {
          delayP99Ms: Math.max(0, runtimeAfter.lagP99 * 1000 - LOOP_MONITOR_RESOLUTION_MS),
          delayMaxMs: Math.max(0, runtimeAfter.lagMax * 1000 - LOOP_MONITOR_RESOLUTION_MS),
          gcPauseMsPerSecond: ((runtimeAfter.gcSeconds - runtimeBefore.gcSeconds) * 1000) / elapsed,
          majorGcs: runtimeAfter.majorGcs - runtimeBefore.majorGcs,
          majorGcPauseMs: (runtimeAfter.majorGcSeconds - runtimeBefore.majorGcSeconds) * 1000,
        } : null,
        /**
         * Reads over 25 ms (the target) as the client saw them, and as the read API timed them from
         * the request's arrival to its handler's answer (its read_duration histogram, whose bucket is
         * 25 ms): the rest of a slow read was spent before Node handed the request over (the kernel,
         * the loop busy with other work) or on the way back.
         */
        over25Ms: {
          client: all.requests > 0 ? TYPES.flatMap((t) => samples[t]).filter((ms) => ms > 25).length / all.requests : NaN,
          readApi: runtimeAfter && runtimeBefore ? 1 - (runtimeAfter.reads25 - runtimeBefore.reads25) / Math.max(1, runtimeAfter.reads - runtimeBefore.reads) : NaN,
          // Searches that left the load generator more than 25 ms after they fell due (counted in `client` too).
          sentLate: sentLate.length > 0 ? sentLate.filter((ms) => ms > 25).length / sentLate.length : NaN,
        },
        sentLateP99Ms: percentile(sentLate.slice().sort((a, b) => a - b), 99),
      };
    };
    // Warm-up, not measured: the closed loop for `warmupSeconds`, so the measured phases see a read
    // API past its JIT compiling the read path (bench/README.md, "Intake to queryable").
    if (warmupSeconds > 0) await phase('warm-up (not measured)', async () => performance.now(), warmupSeconds);
    // Closed loop: the next search as soon as the last is answered (saturation).
    const closedLoop = await phase('closed loop', async () => performance.now());
    // Paced: client c's i-th search is due at start + c/clients·interval + i·interval.
    const paced = await phase(`paced (one search per client every ${intervalMs} ms)`, async (c, i, started) => {
      const dueAt = started + ((c / clients) + i) * intervalMs;
      const wait = dueAt - performance.now();
      if (wait > 0) await sleep(wait);
      return dueAt;
    });
    agent.destroy();
    if (rssTimer) clearInterval(rssTimer);
    return {
      patients: unique.length,
      messages: bodies.length,
      clients,
      seconds,
      warmupSeconds,
      loadSeconds,
      // The closed-loop figures stay at the top level (byType, all, errors), as before.
      ...closedLoop,
      // notSent: searches that fell due during the phase but were never sent, the clients being behind.
      paced: { intervalMs, offeredPerSecond: (clients * 1000) / intervalMs, ...paced, notSent: Math.max(0, clients * Math.ceil((seconds * 1000) / intervalMs) - paced.answered) },
      split,
      hubPeakRssMiB: hub ? rssPeak : null,
      target: split ? 'read-api, intake, normalizer and projector started by the benchmark, one process each' : hub ? 'hub started by the benchmark (all apps in one process)' : url,
    };
  } finally {
    if (hub) await stopApp(hub);
    for (const p of Object.values(others)) await stopApp(p);
  }
}

/** prom-client's event-loop monitor ticks every 10 ms (its default, which the hub keeps). */
const LOOP_MONITOR_RESOLUTION_MS = 10;

/**
 * The reader's runtime figures from its /metrics (prom-client's defaults): event-loop delay p99 and
 * max since the last scrape (the scrape resets them), and its GC pause time so far (all kinds, and
 * mark-compact apart). Null when the endpoint does not answer (another hub with --url).
 */
async function readerRuntime(url, token) {
  try {
    const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) return null;
    const text = await response.text();
    const value = (pattern) => {
      let sum = 0;
      for (const line of text.split('\n')) if (pattern.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    };
    return {
      lagP99: value(/^\w*nodejs_eventloop_lag_p99_seconds /),
      lagMax: value(/^\w*nodejs_eventloop_lag_max_seconds /),
      gcSeconds: value(/^\w*nodejs_gc_duration_seconds_sum\{/),
      majorGcSeconds: value(/^\w*nodejs_gc_duration_seconds_sum\{kind="major"/),
      majorGcs: value(/^\w*nodejs_gc_duration_seconds_count\{kind="major"/),
      reads: value(/^hendelseslager_read_duration_seconds_count\{/),
      reads25: value(/^hendelseslager_read_duration_seconds_bucket\{.*le="0\.025"/),
    };
  } catch {
    return null;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '500' },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '20' },
      'warmup-seconds': { type: 'string', default: '10' },
      interval: { type: 'string', default: '100' },
      url: { type: 'string' },
      key: { type: 'string' },
      profile: { type: 'boolean', default: false },
      split: { type: 'boolean', default: false },
      'node-args': { type: 'string', default: '' },
    },
  });
  const result = await readLatency({
    patients: Number(values.patients),
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values['warmup-seconds']),
    intervalMs: Number(values.interval),
    url: values.url,
    keyFile: values.key,
    profile: values.profile,
    split: values.split,
    nodeArgs: values['node-args'].split(/\s+/).filter(Boolean),
    log: (m) => process.stderr.write(`[read-latency] ${m}\n`),
  });
  writeJson('read-latency.json', result);
  const reader = result.split ? 'read-api' : 'hub';
  const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const table = (phase) => {
    const header = ['resource', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
    const rows = [...Object.entries(phase.byType), ['all', phase.all]].map(([name, s]) => [name, String(s.requests), f(s.perSecond), f(s.p50Ms), f(s.p90Ms), f(s.p99Ms), f(s.maxMs)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    console.log(header.map((h, i) => h.padEnd(widths[i])).join('  '));
    for (const r of rows) console.log(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
    console.log(`errors: ${JSON.stringify(phase.errors)}   CPU per request: ${reader} ${f(phase.hubCpuMsPerRequest, 2)} ms (${f(phase.hubCpuCores, 2)} cores), load generator ${f(phase.loadGeneratorCpuMsPerRequest, 2)} ms`);
    const otherApps = Object.entries(phase.otherAppsCpuMsPerRequest ?? {});
    if (otherApps.length > 0) console.log(`   other apps' CPU per request: ${otherApps.map(([app, ms]) => `${app} ${f(ms, 2)} ms`).join(', ')}`);
    // Everything the machine spent per read, and what that allows on its cores (Little's law for the closed loop).
    const machineMs = phase.hubCpuMsPerRequest + phase.loadGeneratorCpuMsPerRequest + phase.postgresqlCpuMsPerRequest + phase.brokerCpuMsPerRequest +
      otherApps.reduce((sum, [, ms]) => sum + ms, 0);
    if (Number.isFinite(machineMs)) {
      const ceiling = (cpus().length * 1000) / machineMs;
      console.log(`   PostgreSQL ${f(phase.postgresqlCpuMsPerRequest, 2)} ms, broker ${f(phase.brokerCpuMsPerRequest, 2)} ms: the machine ${f(machineMs, 2)} ms per read, so ${cpus().length} cores answer at most ${f(ceiling, 0)} reads/s, and ${result.clients} closed-loop clients wait at least ${f((result.clients * 1000) / ceiling)} ms on average`);
    }
    const loop = phase.readerEventLoop;
    if (loop) console.log(`   ${reader} event loop: late by ${f(loop.delayP99Ms)} ms at p99, ${f(loop.delayMaxMs)} ms at most; GC pauses ${f(loop.gcPauseMsPerSecond)} ms per second, ${loop.majorGcs} mark-compact (${f(loop.majorGcPauseMs)} ms)`);
    const over = phase.over25Ms;
    if (over && Number.isFinite(over.readApi)) {
      console.log(
        `   reads over 25 ms: ${f(over.client * 100)} % as the clients saw them, ${f(over.readApi * 100)} % timed inside ${reader} (arrival to answer), ` +
          `${f(over.sentLate * 100)} % sent late by the load generator (p99 ${f(phase.sentLateP99Ms)} ms late)`,
      );
    }
  };
  console.log(`\nFHIR read latency: ${result.patients} patients, ${result.clients} concurrent clients, ${result.seconds} s per phase, POST _search (audited)\n`);
  console.log('Closed loop (each client sends its next search when the last is answered):');
  table(result);
  console.log(`\nPaced (each client one search every ${result.paced.intervalMs} ms, offered ${f(result.paced.offeredPerSecond, 0)} req/s; latency from when the search was due):`);
  table(result.paced);
  if (result.paced.notSent > 0) console.log(`behind: ${result.paced.notSent} searches fell due but were not sent by the end (the hub did not keep up with the offered rate)`);
  console.log(`\nload: ${f(result.loadSeconds)} s   ${reader} peak RSS: ${f(result.hubPeakRssMiB, 0)} MiB`);
  console.log('results: bench/out/read-latency.json');
  if (Object.keys(result.errors).length > 0 || Object.keys(result.paced.errors).length > 0) process.exitCode = 1;
}
