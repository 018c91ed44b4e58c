// CPU each app spends while the hub has nothing to do: no messages, no reads. A hub idles most of
// the day, and on a shared machine what an idle app spends is taken from the others' work.
//
//   npm run build && HLTEST_SUFFIX=me node bench/idle-cpu.mjs [--seconds 30] [--settle 10] [--rounds 1]
//
// Each round: fresh bench namespace and database, intake, normalizer, projector and read-api
// started as processes (as deployed, split), left --settle seconds to connect, join their groups
// and warm up, then each process's CPU (user + system, /proc/<pid>/stat) is sampled over
// --seconds. Prints ms of CPU per second of wall time per app (1000 = one core busy); writes
// bench/out/idle-cpu.json. To compare two builds, run each checkout's copy in turn.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchEnv, median, processCpuSeconds, resetBenchState, sleep, startApp, stopApp, writeJson } from './lib/common.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, settle: { type: 'string', default: '10' }, rounds: { type: 'string', default: '1' } } });
const SECONDS = Number(values.seconds);
const APPS = ['intake', 'normalizer', 'projector', 'read-api'];

const rounds = [];
for (let round = 0; round < Number(values.rounds); round++) {
  await resetBenchState();
  const env = benchEnv();
  const running = {};
  try {
    for (const [i, app] of APPS.entries()) running[app] = await startApp(app, env, 3520 + i);
    await sleep(Number(values.settle) * 1000);
    const before = Object.fromEntries(APPS.map((app) => [app, processCpuSeconds(running[app].pid)]));
    await sleep(SECONDS * 1000);
    rounds.push(Object.fromEntries(APPS.map((app) => [app, Math.round(((processCpuSeconds(running[app].pid) - before[app]) * 1000) / SECONDS)])));
  } finally {
    for (const child of Object.values(running)) await stopApp(child);
  }
}
const summary = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
  seconds: SECONDS,
  cpuMsPerSecondByApp: rounds,
  medians: Object.fromEntries(APPS.map((app) => [app, median(rounds.map((r) => r[app]))])),
};
writeJson('idle-cpu.json', summary);
const total = APPS.reduce((n, app) => n + summary.medians[app], 0);
process.stdout.write(`idle CPU, ms per second (median of ${rounds.length}): ${APPS.map((app) => `${app} ${summary.medians[app]}`).join(', ')}; all four ${total}\n`);
process.exit(0);
