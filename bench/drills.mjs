// Fault drills (issue 7): a steady gateway load while an app is killed with SIGKILL, or Kafka,
// PostgreSQL or the schema registry is stopped and restarted. A gateway retries every message
// until it gets an AppRec, as real gateways do. Each drill ends with "N lost, N duplicated":
//   lost        = messages answered with AppRec OK that never became visible in the read model;
//   duplicated  = messages whose facts appear more often in the read model than the message states.
// Usage: node bench/drills.mjs [kill9|kafka|postgres|registry ...] [--quick]
// Stops and starts shared services: never run it while other test runs use the same stack.
import { execFileSync } from 'node:child_process';
import { ROOT, benchEnv, dist, messageMix, resetBenchState, sleep, startApp, stopApp, readModelVerdict, writeJson } from './lib/common.mjs';

const quick = process.argv.includes('--quick');
const selected = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const log = (m) => process.stderr.write(`[drill] ${m}\n`);
const BASE_PORT = 3410;
const APPS = ['intake', 'normalizer', 'projector'];

function stack(...args) {
  execFileSync(process.execPath, ['tools/stack/stack.mjs', ...args], { cwd: ROOT, stdio: 'ignore', timeout: 180000 });
}

function restartPostgres() {
  const version = execFileSync('bash', ['-lc', 'ls /etc/postgresql | sort -n | tail -1']).toString().trim();
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore', timeout: 120000 });
}

/** One drill: load for `seconds`, with `faults` = [{ at, action }] run during it. */
async function runDrill(name, seconds, faults) {
  log(`${name}: resetting state`);
  await resetBenchState();
  const env = benchEnv({ LOG_LEVEL: 'error' });
  const apps = {};
  for (const [i, app] of APPS.entries()) apps[app] = await startApp(app, env, BASE_PORT + i);
  const restart = async (app) => (apps[app] = await startApp(app, env, BASE_PORT + APPS.indexOf(app)));

  const { mintDevToken } = dist('auth');
  const token = await mintDevToken(env.HENDELSESLAGER_DEV_ISSUER_KEY, { client: 'drill-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: 'hendelseslager' });
  const messages = messageMix(quick ? 400 : 3000, 11);
  const acceptedNew = new Map(); // msgId -> times answered 202 (new)
  const answered = new Set();
  const stats = { posted: 0, retries: 0, unavailable503: 0, connectionErrors: 0, rejected: 0 };
  let stop = false;
  let next = 0;

  const gateway = async () => {
    while (!stop && next < messages.length) {
      const body = messages[next++];
      stats.posted++;
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${BASE_PORT}/v1/messages`, {
            method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body, signal: AbortSignal.timeout(15000),
          });
          await response.arrayBuffer();
          if (response.status === 503) {
            stats.unavailable503++;
          } else if (response.status === 202 || response.status === 200) {
            const msgId = response.headers.get('x-original-msg-id');
            answered.add(msgId);
            if (response.status === 202) acceptedNew.set(msgId, (acceptedNew.get(msgId) ?? 0) + 1);
            break;
          } else {
            stats.rejected++;
            break;
          }
        } catch {
          stats.connectionErrors++;
        }
        stats.retries++;
        await sleep(250);
      }
      await sleep(quick ? 10 : 20); // a steady, not saturating, gateway
    }
  };

  const started = Date.now();
  const load = Promise.all([gateway(), gateway(), gateway(), gateway()]);
  for (const fault of faults) {
    const wait = started + fault.at * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    log(`${name}: t=${fault.at}s ${fault.label}`);
    await fault.action({ apps, restart });
  }
  const remaining = started + seconds * 1000 - Date.now();
  if (remaining > 0) await sleep(remaining);
  stop = true;
  await load;
  log(`${name}: load done (${stats.posted} posted, ${answered.size} answered with an AppRec); waiting for the read model`);

  const { lost, duplicated } = await readModelVerdict(answered, 120000);
  await Promise.all(Object.values(apps).map(stopApp));

  const result = { drill: name, seconds, ...stats, answered: answered.size, acceptedTwiceAsNew: [...acceptedNew.values()].filter((n) => n > 1).length, lost, duplicated };
  console.log(`${name.padEnd(10)} ${String(answered.size).padStart(5)} accepted  ${String(stats.unavailable503).padStart(4)} x 503  ${String(stats.connectionErrors).padStart(4)} connection errors  =>  ${lost} lost, ${duplicated} duplicated`);
  return result;
}

const s = quick ? 0.5 : 1;
const DRILLS = {
  kill9: () =>
    runDrill('kill9', 40 * s, APPS.flatMap((app, i) => [
      { at: (5 + i * 10) * s, label: `kill -9 ${app}`, action: async ({ apps }) => void apps[app].kill('SIGKILL') },
      { at: (7 + i * 10) * s, label: `restart ${app}`, action: async ({ restart }) => void (await restart(app)) },
    ])),
  kafka: () =>
    runDrill('kafka', 40 * s, [
      { at: 5 * s, label: 'stop the Kafka broker', action: async () => stack('down', 'kafka') },
      { at: 15 * s, label: 'start the Kafka broker', action: async () => stack('up') },
    ]),
  postgres: () =>
    runDrill('postgres', 30 * s, [{ at: 8 * s, label: 'restart PostgreSQL', action: async () => restartPostgres() }]),
  registry: () =>
    runDrill('registry', 30 * s, [
      { at: 5 * s, label: 'stop the schema registry', action: async () => stack('down', 'registry') },
      { at: 12 * s, label: 'start the schema registry', action: async () => stack('up') },
    ]),
};

const names = selected.length ? selected : Object.keys(DRILLS);
const results = [];
for (const name of names) {
  if (!DRILLS[name]) throw new Error(`unknown drill ${name}; choose from ${Object.keys(DRILLS).join(', ')}`);
  results.push(await DRILLS[name]());
}
writeJson('drills.json', results);
if (results.some((r) => r.lost > 0 || r.duplicated > 0)) process.exitCode = 1;
