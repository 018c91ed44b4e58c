// Sustained throughput and end-to-end latency from POST /v1/messages (AppRec OK) until the
// message is visible in the read model the read API serves, with intake, normalizer and
// projector as separate processes on this machine.
import { createRequire } from 'node:module';
import { BENCH_DB_URL, benchEnv, dist, peakRssMiB, percentile, resetBenchState, sleep, startApp, stopApp } from './lib/common.mjs';

const require = createRequire(import.meta.url);

export async function intakeToQueryable({ messages, concurrency, basePort = 3310, timeoutMs = 600000, log = () => undefined }) {
  await resetBenchState();
  const env = benchEnv();
  const apps = {};
  apps.intake = await startApp('intake', env, basePort);
  apps.normalizer = await startApp('normalizer', env, basePort + 1);
  apps.projector = await startApp('projector', env, basePort + 2);
  const rss = { intake: 0, normalizer: 0, projector: 0 };
  const rssTimer = setInterval(() => {
    for (const [name, child] of Object.entries(apps)) rss[name] = Math.max(rss[name], peakRssMiB(child.pid) || 0);
  }, 500);

  const { mintDevToken } = dist('auth');
  const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const url = `http://127.0.0.1:${basePort}/v1/messages`;
  const accepted = new Map(); // msgId -> accept time (ms)
  const seen = new Map(); // msgId -> first time visible
  const outcomes = {};
  const post = async (body) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body });
      await response.arrayBuffer();
      if (response.status === 503) {
        await sleep(200);
        continue;
      }
      const outcome = response.headers.get('x-intake-outcome') ?? `HTTP ${response.status}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const msgId = response.headers.get('x-original-msg-id');
      if (outcome === 'ACCEPTED' && msgId) accepted.set(msgId, performance.now());
      return;
    }
    outcomes.GAVE_UP = (outcomes.GAVE_UP ?? 0) + 1;
  };

  // Poll the read model for every accepted message until it is visible.
  const { Client } = require('pg');
  const db = new Client({ connectionString: BENCH_DB_URL });
  await db.connect();
  const schema = (await db.query(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`)).rows[0].active_schema;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const pending = [...accepted.keys()].filter((id) => !seen.has(id));
      if (pending.length) {
        const rows = (await db.query(`SELECT DISTINCT msg_id FROM "${schema}".message_versions WHERE msg_id = ANY($1)`, [pending])).rows;
        const now = performance.now();
        for (const r of rows) seen.set(r.msg_id, now);
      }
      await sleep(50);
    }
  })();

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
  polling = false;
  await poller;
  const finished = Math.max(...seen.values());
  clearInterval(rssTimer);
  for (const [name, child] of Object.entries(apps)) rss[name] = Math.max(rss[name], peakRssMiB(child.pid) || 0);
  await db.end();
  await Promise.all(Object.values(apps).map(stopApp));

  const latencies = [...seen.entries()].map(([id, t]) => t - accepted.get(id)).sort((a, b) => a - b);
  // Per-second series for the chart: accepted and visible counts, median latency of those visible.
  const series = [];
  const seconds = Math.ceil((finished - started) / 1000);
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
    accepted: accepted.size,
    visible: seen.size,
    lost: accepted.size - seen.size,
    outcomes,
    concurrency,
    acceptRate: accepted.size / ((postingDone - started) / 1000),
    endToEndRate: seen.size / ((finished - started) / 1000),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    peakRssMiB: rss,
    series,
  };
}
