// Instance-kill drill (issue 15 item 3): two instances each of intake, normalizer and projector on
// the bench namespace and database, four gateways posting round-robin to the two intakes (a
// gateway that gets no answer tries the other one, as behind a load balancer). Mid-load one
// instance of each app is killed with SIGKILL, 5 s apart, and not restarted: the survivors take
// over (consumer-group rebalance; intake's receipts and the projector's offsets are in PostgreSQL).
// Reports lost (answered 202/200, never in the read model) and duplicated (a MsgId twice in the
// read model, or more facts than the message states), as drills.mjs does.
// Usage: HLTEST_SUFFIX=me [KAFKA_BROKERS=...] node bench/drill-instance-kill.mjs [--seconds 60] [--kill-at 15]
import { BENCH, benchEnv, dist, messageMix, resetBenchState, sleep, startApp, stopApp, readModelVerdict, writeJson } from './lib/common.mjs';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const log = (m) => process.stderr.write(`[drill] ${new Date().toISOString().slice(11, 19)} ${m}\n`);
const BASE_PORT = 3470;
const APPS = ['intake', 'normalizer', 'projector'];
const SECONDS = arg('seconds', 60);
const KILL_AT = arg('kill-at', 15);

log(`resetting the bench namespace ${BENCH.namespace} and database ${BENCH.database} on ${BENCH.brokers}`);
await resetBenchState();
const replicas = BENCH.brokers.split(',').length >= 3 ? { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' } : {};
const env = benchEnv({ LOG_LEVEL: 'error', ...replicas });
const instances = []; // { app, n, port, child }
process.on('exit', () => instances.forEach(({ child }) => child.exitCode === null && child.kill('SIGTERM')));
for (const [i, app] of APPS.entries()) {
  for (const n of [1, 2]) {
    const port = BASE_PORT + i * 2 + n - 1;
    instances.push({ app, n, port, child: await startApp(app, env, port) });
  }
}
const intakePorts = instances.filter((x) => x.app === 'intake').map((x) => x.port);

const { mintDevToken } = dist('auth');
const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'drill-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
const messages = messageMix(20000, 17);
const answered = new Set();
const stats = { posted: 0, retries: 0, unavailable503: 0, connectionErrors: 0, rejected: 0, timeouts: 0, answeredBy: { [intakePorts[0]]: 0, [intakePorts[1]]: 0 } };
let stop = false;
let next = 0;
let turn = 0;

const gateway = async () => {
  while (!stop && next < messages.length) {
    const body = messages[next++];
    stats.posted++;
    let port = intakePorts[turn++ % 2];
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
          method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body, signal: AbortSignal.timeout(30000),
        });
        await response.arrayBuffer();
        if (response.status === 503) stats.unavailable503++;
        else if (response.status === 202 || response.status === 200) {
          answered.add(response.headers.get('x-original-msg-id'));
          stats.answeredBy[port]++;
          break;
        } else {
          stats.rejected++;
          break;
        }
      } catch (error) {
        if (error?.name === 'TimeoutError') stats.timeouts++;
        else stats.connectionErrors++;
        port = port === intakePorts[0] ? intakePorts[1] : intakePorts[0]; // the load balancer's other instance
      }
      stats.retries++;
      await sleep(250);
    }
    await sleep(20);
  }
};

const started = Date.now();
const load = Promise.all([gateway(), gateway(), gateway(), gateway()]);
for (const [i, app] of APPS.entries()) {
  await sleep(started + (KILL_AT + i * 5) * 1000 - Date.now());
  const victim = instances.find((x) => x.app === app && x.n === 2);
  log(`t=${KILL_AT + i * 5}s kill -9 ${app} #2 (pid ${victim.child.pid}), answered so far ${answered.size}`);
  victim.child.kill('SIGKILL');
}
await sleep(started + SECONDS * 1000 - Date.now());
stop = true;
await load;
log(`load done (${stats.posted} posted, ${answered.size} answered); waiting for the read model`);

const { lost, duplicated } = await readModelVerdict(answered, 180000);
await Promise.all(instances.filter((x) => x.child.exitCode === null && x.child.signalCode === null).map((x) => stopApp(x.child)));

const result = { drill: 'instance-kill', brokers: BENCH.brokers, seconds: SECONDS, killAt: KILL_AT, ...stats, answered: answered.size, lost, duplicated };
writeJson('drill-instance-kill.json', result);
console.log(
  `instance-kill  ${answered.size} accepted (${stats.answeredBy[intakePorts[0]]} / ${stats.answeredBy[intakePorts[1]]} by the two intakes)  ${stats.unavailable503} x 503  ` +
    `${stats.connectionErrors} connection errors  ${stats.timeouts} timeouts  =>  ${lost} lost, ${duplicated} duplicated`,
);
if (lost > 0 || duplicated > 0) process.exitCode = 1;
