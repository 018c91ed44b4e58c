// The intake → queryable benchmark (intake, normalizer and projector as processes) under named
// configurations of the apps' environment, alternating in rounds so each sees the same machine:
// the side-by-side way to measure a setting's effect on rate, latency, CPU per message and RSS.
//
// usage: npm run build && HLTEST_SUFFIX=me node bench/configurations.mjs \
//          --config kafkajs KAFKA_CLIENT=kafkajs --config platformatic KAFKA_CLIENT=platformatic \
//          [--rounds 3] [--messages 3000] [--warmup 3000] [--concurrency 16] [--paced-seconds 20]
// Every `--config <name> [K=V ...] [--tree <dir>]` is one configuration; the first is the base of
// the ratios. `--tree` runs another checkout's apps (a worktree of another commit, built, holding
// bench/lib/side-by-side.mjs): a change measured beside the code before it.
// `BENCH_HUB=1` in a configuration runs the all-in-one hub instead of the three apps.
// `BENCH_APP_NODE_ARGS="<flags>"` in a configuration gives the three apps more node flags (after
// their heap flags, which a flag given again overrides).
// --warmup: messages through the three apps before each run's measured part (0: none), so the
// figures are of processes past their JIT warm-up and first lookups, as a hub running for days.
// Prints one line per run and the medians; writes bench/out/configurations.json.
import { sideBySide } from './lib/side-by-side.mjs';
import { writeJson } from './lib/common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const configurations = {};
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '--config') continue;
  const name = args[++i];
  const env = {};
  let tree;
  while (i + 1 < args.length && (!args[i + 1].startsWith('--') || args[i + 1] === '--tree')) {
    if (args[i + 1] === '--tree') {
      tree = args[i + 2];
      i += 2;
      continue;
    }
    const [key, ...value] = args[++i].split('=');
    env[key] = value.join('=');
  }
  const settings = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults';
  configurations[name] = { label: `${name} (${tree ? `${tree}, ` : ''}${settings})`, env, tree };
}
if (Object.keys(configurations).length < 2) {
  console.error('at least two --config <name> [K=V ...] are required');
  process.exit(2);
}
const rounds = Number(opt('rounds', '3'));
const result = await sideBySide(configurations, {
  rounds,
  messages: Number(opt('messages', '3000')),
  warmup: Number(opt('warmup', '3000')),
  concurrency: Number(opt('concurrency', '16')),
  pacedSeconds: Number(opt('paced-seconds', '20')),
  tag: 'configurations',
});
writeJson('configurations.json', { date: new Date().toISOString(), rounds, warmup: Number(opt('warmup', '3000')), configurations, ...result });
