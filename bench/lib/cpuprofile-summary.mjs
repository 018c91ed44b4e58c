// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per module
// (package or project library), and inclusive time per module (time with that module anywhere on
// the stack, counted once per sample).
//
//   node bench/lib/cpuprofile-summary.mjs file.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const topIdx = process.argv.indexOf('--top');
const TOP = topIdx === -1 ? 25 : Number(process.argv[topIdx + 1]);
const profile = JSON.parse(readFileSync(file, 'utf8'));

function moduleOf(url, name) {
  if (!url) return name === '(garbage collector)' ? '(gc)' : name === '(program)' || name === '(idle)' ? name : '(native/other)';
  let m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  m = /dist\/(libs|apps)\/([^/]+)/.exec(url);
  if (m) return `@hub/${m[2]}`;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// time per sample: timeDeltas
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let total = 0;
let idle = 0;
const selfByFn = new Map();
const selfByModule = new Map();
const inclByModule = new Map();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  const cf = node.callFrame;
  total += us;
  if (cf.functionName === '(idle)') {
    idle += us;
    continue;
  }
  const mod = moduleOf(cf.url, cf.functionName);
  const key = `${cf.functionName || '(anonymous)'} ${mod}:${cf.lineNumber + 1}`;
  selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
  selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + us);
  const seen = new Set();
  for (let p = id; p !== undefined; p = parent.get(p)) {
    const pf = byId.get(p).callFrame;
    const pm = moduleOf(pf.url, pf.functionName);
    if (pm === '(root)' || seen.has(pm)) continue;
    seen.add(pm);
    inclByModule.set(pm, (inclByModule.get(pm) ?? 0) + us);
  }
}
const busy = total - idle;
const table = (title, map) => {
  console.log(`\n${title} (% of busy ${(busy / 1e6).toFixed(2)} s)`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${((100 * v) / busy).toFixed(1).padStart(6)} %  ${k}`);
};
console.log(`${file}: total ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
table('Self time by module', selfByModule);
table('Inclusive time by module', inclByModule);
table('Self time by function', selfByFn);
