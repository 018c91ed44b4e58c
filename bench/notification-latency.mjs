// Notification latency (issue #14 part 2): from the AppRec OK of a message to the rest-hook
// notification that names it arriving at a subscriber, at a paced load, with intake, normalizer,
// projector, notifier and read API as separate processes on this machine.
//
//   npm run build
//   HLTEST_SUFFIX=me node bench/notification-latency.mjs [--rate 5] [--seconds 60] [--patients 20] [--content id-only|full-resource]
//
// Each of --patients patients has one Subscription (topic message-received, filter by its
// identifier) to an HTTP receiver in this process; the gateway posts N messages (Orientering om
// tjenestetilbud) for those patients in turn, --rate per second (open loop) for --seconds. A
// notification names each message as additional-context Binary/<MsgId>, so every message's
// latency is exact. Written to bench/out/notification-latency.json.
import { createServer, request, Agent } from 'node:http';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { BENCH_DB_URL, benchEnv, dist, percentile, processCpuSeconds, resetBenchState, sleep, startApp, stopApp, writeJson } from './lib/common.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RATE = Number(arg('rate', '5'));
const SECONDS = Number(arg('seconds', '60'));
const PATIENTS = Number(arg('patients', '20'));
const CONTENT = arg('content', 'id-only');
const BASE_PORT = Number(arg('port', '3330'));
const KNR = '3428'; // Alvdal in config/directory.demo.yaml
const SENDER = { organisation: [{ name: 'Alvdal kommune', herId: '99387' }, { name: 'Sykepleietjeneste', herId: '5079' }] };
const RECEIVER = { organisation: [{ name: 'Alvdal legekontor', herId: '91096' }] };
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const TOPIC = 'http://hendelseslager.example/fhir/SubscriptionTopic/message-received';

async function main() {
  const testing = dist('testing');
  const { mintDevToken } = dist('auth');
  await resetBenchState();
  const env = benchEnv({ NOTIFIER_ALLOW_HTTP: 'true', NOTIFIER_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'warn' });
  const apps = {};
  apps.intake = await startApp('intake', env, BASE_PORT);
  apps.normalizer = await startApp('normalizer', env, BASE_PORT + 1);
  apps.projector = await startApp('projector', env, BASE_PORT + 2);
  apps.notifier = await startApp('notifier', env, BASE_PORT + 3);
  apps['read-api'] = await startApp('read-api', env, BASE_PORT + 4);
  for (const port of [BASE_PORT, BASE_PORT + 4]) {
    while ((await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => ({ status: 0 }))).status !== 200) await sleep(250);
  }

  // The subscriber's endpoint: records when each message's notification arrived.
  const arrived = new Map(); // msgId -> ms
  const notifications = { handshake: 0, 'event-notification': 0, heartbeat: 0 };
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const parameters = bundle.entry[0].resource.parameter;
      const type = parameters.find((p) => p.name === 'type').valueCode;
      notifications[type] = (notifications[type] ?? 0) + 1;
      for (const event of parameters.filter((p) => p.name === 'notification-event')) {
        for (const part of event.part.filter((x) => x.name === 'additional-context')) {
          const msgId = /\/Binary\/([^/]+)$/.exec(part.valueReference.reference)?.[1];
          if (msgId && !arrived.has(msgId)) arrived.set(msgId, now);
        }
      }
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${receiver.address().port}/hook`;

  const subscriber = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-epj', scopes: ['subscriptions:write', 'patients:read'], kommuner: [KNR], audience: 'hendelseslager' });
  const gateway = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const patients = Array.from({ length: PATIENTS }, (_, i) => ({ familyName: 'Benk', givenName: `P${i}`, birthDate: '1950-01-01', sex: '2', fnr: testing.fnr(`1950-01-${String(1 + (i % 28)).padStart(2, '0')}`, 100 + i) }));
  for (const p of patients) {
    const response = await fetch(`http://127.0.0.1:${BASE_PORT + 4}/fhir/${KNR}/Subscription`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${subscriber}`, 'Content-Type': 'application/fhir+json', 'X-Purpose-Of-Use': 'COC' },
      body: JSON.stringify({
        resourceType: 'Subscription', status: 'requested', reason: 'benchmark', criteria: TOPIC,
        _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: `patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|${p.fnr}` }] },
        channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json', _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: CONTENT }] } },
      }),
    });
    if (response.status !== 201) throw new Error(`Subscription create answered ${response.status}: ${await response.text()}`);
  }
  while (notifications.handshake < PATIENTS) await sleep(100);

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const accepted = new Map(); // msgId -> ms
  const outcomes = {};
  const post = (body) =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: BASE_PORT, path: '/v1/messages', method: 'POST', agent, headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml', 'Content-Length': body.length } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          const outcome = res.headers['x-intake-outcome'] ?? `HTTP ${res.statusCode}`;
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (outcome === 'ACCEPTED') accepted.set(res.headers['x-original-msg-id'], Date.now());
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end(body);
    });

  const cpuBefore = Object.fromEntries(Object.entries(apps).map(([name, child]) => [name, processCpuSeconds(child.pid)]));
  const total = Math.round(RATE * SECONDS);
  const started = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const patient = patients[i % PATIENTS];
    const body = testing.buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: randomUUID(), documentId: randomUUID(), genDate: '2024-01-02T08:00:00', sender: SENDER, receiver: RECEIVER, patient,
      services: [{ iplosCode: '15', description: 'Hjemmesykepleie', amount: '1', unit: 'time hver dag', startDate: '2024-01-03' }],
    });
    inFlight.push(post(body));
  }
  await Promise.all(inFlight);
  const deadline = performance.now() + 120000;
  while ([...accepted.keys()].some((id) => !arrived.has(id)) && performance.now() < deadline) await sleep(100);
  const cpuSeconds = Object.fromEntries(Object.entries(apps).map(([name, child]) => [name, processCpuSeconds(child.pid) - cpuBefore[name]]));

  const latencies = [...accepted].filter(([id]) => arrived.has(id)).map(([id, at]) => arrived.get(id) - at).sort((a, b) => a - b);
  // Where the time goes: AppRec OK → the notifier has numbered the event (intake, normalizer, event
  // topic, notifier consumer), and numbered → arrived (read model ready, audit, POST).
  const { Client } = createRequire(import.meta.url)('pg');
  const db = new Client({ connectionString: BENCH_DB_URL });
  await db.connect();
  const recorded = new Map((await db.query('SELECT msg_key, recorded_at FROM fhir_subscription_events')).rows.map((r) => [r.msg_key, r.recorded_at.getTime()]));
  await db.end();
  const split = (from, to) => [...accepted.keys()].filter((id) => recorded.has(id) && arrived.has(id)).map((id) => to(id) - from(id)).sort((a, b) => a - b);
  const toRecorded = split((id) => accepted.get(id), (id) => recorded.get(id));
  const toArrived = split((id) => recorded.get(id), (id) => arrived.get(id));
  const summary = (sorted) => ({ p50: Math.round(percentile(sorted, 50)), p90: Math.round(percentile(sorted, 90)), p99: Math.round(percentile(sorted, 99)) });
  const result = {
    date: new Date().toISOString(),
    rate: RATE, seconds: SECONDS, patients: PATIENTS, content: CONTENT,
    offered: total, outcomes, accepted: accepted.size, notified: latencies.length, missing: accepted.size - latencies.length, notifications,
    acceptedToNumberedMs: summary(toRecorded),
    numberedToArrivedMs: summary(toArrived),
    latencyMs: { p50: Math.round(percentile(latencies, 50)), p90: Math.round(percentile(latencies, 90)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? NaN) },
    cpuMsPerMessage: Object.fromEntries(Object.entries(cpuSeconds).map(([name, s]) => [name, Math.round((s * 1000 * 10) / Math.max(1, accepted.size)) / 10])),
  };
  console.log(JSON.stringify(result, null, 2));
  writeJson('notification-latency.json', result);
  receiver.close();
  agent.destroy();
  for (const child of Object.values(apps)) await stopApp(child);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
