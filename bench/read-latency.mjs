// Read latency of the FHIR API under concurrent clients: loads N patients (an Orientering om
// tjenestetilbud with services and a GP message with diagnoses each, through intake), then
// `clients` concurrent FHIR clients search EpisodeOfCare, Condition and Encounter by patient
// identifier (POST _search, audited like every read) for a fixed time. Prints p50/p90/p99 per
// resource type and writes bench/out/read-latency.json.
//
//   npm run build && node bench/read-latency.mjs [--patients 500] [--clients 50] [--seconds 20]
//   node bench/read-latency.mjs --url http://127.0.0.1:3000 --key .stack/dev-issuer/key.json   (a running hub)
//
// Without --url it starts the compiled hub itself on the bench namespace and database.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { benchEnv, dist, peakRssMiB, percentile, resetBenchState, sleep, startApp, stopApp, writeJson } from './lib/common.mjs';

const KOMMUNE = '3428';
const SENDER = { organisation: [{ name: 'Alvdal kommune', herId: '99387' }, { name: 'Hjemmesykepleien', herId: '5078' }] };
const GP = { organisation: [{ name: 'Alvdal legekontor', herId: '56704' }] };
const TYPES = ['EpisodeOfCare', 'Condition', 'Encounter'];

export async function readLatency({ patients = 500, clients = 50, seconds = 20, url, keyFile, port = 3420, log = () => undefined }) {
  let hub;
  let env;
  if (!url) {
    await resetBenchState();
    env = benchEnv();
    keyFile = env.HENDELSESLAGER_DEV_ISSUER_KEY;
    hub = await startApp('hub', env, port);
    url = `http://127.0.0.1:${port}`;
  }
  if (!keyFile) throw new Error('--key <dev issuer key file> is needed with --url');
  const { mintDevToken } = dist('auth');
  const testing = dist('testing');
  const gateway = await mintDevToken(keyFile, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: [KOMMUNE], audience: 'hendelseslager' });
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
            const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body });
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

    // Warm-up, then the measured run.
    for (let i = 0; i < 50; i++) await search(TYPES[i % 3], unique[i % unique.length].fnr);
    const samples = Object.fromEntries(TYPES.map((t) => [t, []]));
    const errors = {};
    const stopAt = performance.now() + seconds * 1000;
    let rssPeak = 0;
    const rssTimer = hub ? setInterval(() => (rssPeak = Math.max(rssPeak, peakRssMiB(hub.pid) || 0)), 500) : undefined;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        let i = c;
        while (performance.now() < stopAt) {
          const type = TYPES[i % 3];
          const patient = unique[(i * 7919) % unique.length];
          i += clients;
          const result = await search(type, patient.fnr, readers[c]).catch((e) => ({ ms: NaN, status: String(e) }));
          if (result.status === 200) samples[type].push(result.ms);
          else errors[result.status] = (errors[result.status] ?? 0) + 1;
        }
      }),
    );
    if (rssTimer) clearInterval(rssTimer);
    const summarize = (values) => {
      const sorted = values.slice().sort((a, b) => a - b);
      return { requests: sorted.length, perSecond: sorted.length / seconds, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN };
    };
    return {
      patients: unique.length,
      messages: bodies.length,
      clients,
      seconds,
      loadSeconds,
      byType: Object.fromEntries(TYPES.map((t) => [t, summarize(samples[t])])),
      all: summarize(TYPES.flatMap((t) => samples[t])),
      errors,
      hubPeakRssMiB: hub ? rssPeak : null,
      target: hub ? 'hub started by the benchmark (all apps in one process)' : url,
    };
  } finally {
    if (hub) await stopApp(hub);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '500' },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '20' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const result = await readLatency({
    patients: Number(values.patients),
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    url: values.url,
    keyFile: values.key,
    log: (m) => process.stderr.write(`[read-latency] ${m}\n`),
  });
  writeJson('read-latency.json', result);
  const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  console.log(`\nFHIR read latency: ${result.patients} patients, ${result.clients} concurrent clients, ${result.seconds} s, POST _search (audited)\n`);
  const header = ['resource', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = [...Object.entries(result.byType), ['all', result.all]].map(([name, s]) => [name, String(s.requests), f(s.perSecond), f(s.p50Ms), f(s.p90Ms), f(s.p99Ms), f(s.maxMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(header.map((h, i) => h.padEnd(widths[i])).join('  '));
  for (const r of rows) console.log(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
  console.log(`\nerrors: ${JSON.stringify(result.errors)}   load: ${f(result.loadSeconds)} s   hub peak RSS: ${f(result.hubPeakRssMiB, 0)} MiB`);
  console.log('results: bench/out/read-latency.json');
  if (Object.keys(result.errors).length > 0) process.exitCode = 1;
}
