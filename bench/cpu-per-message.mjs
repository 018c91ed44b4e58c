// CPU time per message of intake and of the normalizer, each a separate process, measured from
// /proc/<pid>/stat (user + system time of that process only), so the load generator, Kafka, the
// registry and PostgreSQL are not counted. On a shared 2-core machine wall-clock rates are noisy;
// CPU per message is what the code controls.
//
//   npm run build && HLTEST_SUFFIX=me node bench/cpu-per-message.mjs [--messages 3000] [--concurrency 16] [--runs 1] [--profile] [--xsd-compare]
//
// --xsd-compare: each run measures intake twice, with the XSD validation of issue #12 item 4 on and
// off (INTAKE_XSD_VALIDATION), alternating which goes first, and prints the difference per message
// beside the validation's own cost (bench/parse-rate.mjs --xsd).
//
// Each run: fresh bench namespace and database, intake and normalizer started, a warm-up of 300
// messages (JIT, topics, schema ids) until the normalizer has caught up, then CPU is sampled, the
// measured messages are posted, the normalizer is waited for (its group's committed offsets reach
// the raw topics' ends), and CPU is sampled again. --profile writes .cpuprofile files of both
// processes to bench/out/profiles (summarise them with bench/lib/cpuprofile-summary.mjs).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BENCH, OUT, benchEnv, dist, messageMix, processCpuTimes, resetBenchState, sleep, startApp, stopApp, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const minus = (a, b) => ({ user: a.user - b.user, system: a.system - b.system });
const perMessageMs = (t, n) => ({ total: ((t.user + t.system) * 1000) / n, user: (t.user * 1000) / n, system: (t.system * 1000) / n });

async function normalizerLag(admin, groupId) {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${BENCH.namespace}.kommune.`) && t.endsWith('.raw.v1'));
  let lag = 0;
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    for (const e of ends) {
      const c = committed.find((p) => p.partition === e.partition);
      lag += Number(e.high) - Math.max(0, Number(c?.offset ?? 0));
    }
  }
  return lag;
}

export async function cpuPerMessage({ messages, warmup, concurrency = 16, basePort = 3410, profile = false, env: extraEnv = {}, log = () => undefined }) {
  await resetBenchState();
  const profileDir = join(OUT, 'profiles');
  if (profile) mkdirSync(profileDir, { recursive: true });
  const env = benchEnv(extraEnv);
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const intake = await startApp('intake', env, basePort, nodeArgs);
  const normalizer = await startApp('normalizer', env, basePort + 1, nodeArgs);

  const { mintDevToken } = dist('auth');
  const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'bench-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const url = `http://127.0.0.1:${basePort}/v1/messages`;
  const outcomes = {};
  const postAll = async (list) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < list.length) {
          const body = list[next++];
          const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body });
          await response.arrayBuffer();
          const outcome = response.headers.get('x-intake-outcome') ?? `HTTP ${response.status}`;
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      }),
    );
  };

  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'bench-cpu', brokers: BENCH.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const groupId = `${BENCH.namespace}.normalizer`;
  const caughtUp = async () => {
    const deadline = Date.now() + 600000;
    while ((await normalizerLag(admin, groupId)) > 0) {
      if (Date.now() > deadline) throw new Error('normalizer did not catch up');
      await sleep(100);
    }
  };

  await postAll(warmup);
  await caughtUp();
  await sleep(500);
  for (const k of Object.keys(outcomes)) delete outcomes[k];

  const before = { intake: processCpuTimes(intake.pid), normalizer: processCpuTimes(normalizer.pid) };
  const started = performance.now();
  await postAll(messages);
  const posted = performance.now();
  const intakeCpu = minus(processCpuTimes(intake.pid), before.intake);
  await caughtUp();
  const done = performance.now();
  const normalizerCpu = minus(processCpuTimes(normalizer.pid), before.normalizer);
  log(`posted ${messages.length} in ${((posted - started) / 1000).toFixed(1)} s, normalized by ${((done - started) / 1000).toFixed(1)} s`);

  await admin.disconnect();
  await Promise.all([stopApp(intake), stopApp(normalizer)]);
  const n = messages.length;
  return {
    messages: n,
    outcomes,
    intakeCpuMsPerMessage: perMessageMs(intakeCpu, n),
    normalizerCpuMsPerMessage: perMessageMs(normalizerCpu, n),
    intakeAcceptRate: n / ((posted - started) / 1000),
    normalizedWallSeconds: (done - started) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? def : Number(process.argv[i + 1]);
  };
  const count = arg('messages', 3000);
  const runs = arg('runs', 1);
  const all = messageMix(count + 300);
  const results = [];
  if (process.argv.includes('--xsd-compare')) {
    const { measureParseAndXsd } = await import('./parse-rate.mjs');
    const cost = await measureParseAndXsd(all.slice(300, 1300), { rounds: 3 });
    console.error(`XSD validation cost beside the parse: ${cost.xsdPool.cpuMicrosPerMessage.toFixed(0)} µs CPU per message through the pool (parse ${cost.parse.cpuMicrosPerMessage.toFixed(0)} µs)`);
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? ['true', 'false'] : ['false', 'true'];
      const pair = {};
      for (const enabled of order) {
        const result = await cpuPerMessage({
          messages: all.slice(300),
          warmup: all.slice(0, 300),
          concurrency: arg('concurrency', 16),
          env: { INTAKE_XSD_VALIDATION: enabled },
          log: (m) => console.error(`xsd ${enabled}: ${m}`),
        });
        pair[enabled === 'true' ? 'xsdOn' : 'xsdOff'] = result;
      }
      const comparison = {
        run: r + 1,
        order: order.map((e) => (e === 'true' ? 'on' : 'off')).join(' then '),
        intakeCpuMsPerMessage: { on: pair.xsdOn.intakeCpuMsPerMessage.total, off: pair.xsdOff.intakeCpuMsPerMessage.total, difference: pair.xsdOn.intakeCpuMsPerMessage.total - pair.xsdOff.intakeCpuMsPerMessage.total },
        intakeAcceptRate: { on: pair.xsdOn.intakeAcceptRate, off: pair.xsdOff.intakeAcceptRate, ratio: pair.xsdOn.intakeAcceptRate / pair.xsdOff.intakeAcceptRate },
        outcomes: { on: pair.xsdOn.outcomes, off: pair.xsdOff.outcomes },
        xsdCostMsPerMessage: cost.xsdPool.cpuMicrosPerMessage / 1000,
        parseCostMsPerMessage: cost.parse.cpuMicrosPerMessage / 1000,
      };
      console.log(JSON.stringify(comparison));
      results.push({ ...comparison, cost, xsdOn: pair.xsdOn, xsdOff: pair.xsdOff });
    }
    writeJson('cpu-per-message-xsd.json', results);
    process.exit(0);
  }
  for (let r = 0; r < runs; r++) {
    const result = await cpuPerMessage({
      messages: all.slice(300),
      warmup: all.slice(0, 300),
      concurrency: arg('concurrency', 16),
      profile: process.argv.includes('--profile'),
      log: (m) => console.error(m),
    });
    console.log(JSON.stringify(result));
    results.push(result);
  }
  writeJson('cpu-per-message.json', results);
}
