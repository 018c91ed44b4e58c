// Summarises a V8 sampling heap profile (.heapprofile: bench/lib/alloc-profile.cjs, or
// BENCH_HEAP_PROFILE of rebuild.mjs): bytes allocated per function, by itself and with what it
// calls (inclusive), as shares of everything sampled. --callers <prefix>: the call paths that led
// to the functions whose "name file:line" starts with the prefix, by bytes.
//
//   node bench/lib/heapprofile-summary.mjs file.heapprofile [--top 30] [--callers "deprecate node:internal/util"]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const top = Number(option('top', '30'));
const callersOf = option('callers', undefined);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nameOf = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*node_modules\//, '').replace(/.*dist\//, '')}:${frame.lineNumber}`;
const subtreeBytes = (node) => node.selfSize + node.children.reduce((sum, child) => sum + subtreeBytes(child), 0);
const total = subtreeBytes(profile.head);
const share = (bytes) => `${((100 * bytes) / total).toFixed(1).padStart(5)} %`;
const ranked = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);

if (callersOf) {
  const paths = new Map();
  const walk = (node, stack) => {
    const name = nameOf(node.callFrame);
    if (name.startsWith(callersOf)) {
      const path = stack.slice(-6).reverse().join('\n        <- ');
      paths.set(path, (paths.get(path) ?? 0) + subtreeBytes(node));
      return;
    }
    for (const child of node.children) walk(child, [...stack, name]);
  };
  walk(profile.head, []);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled; call paths to ${callersOf}`);
  for (const [path, bytes] of ranked(paths)) console.log(`${share(bytes)}  ${callersOf}\n        <- ${path}`);
} else {
  const self = new Map();
  const inclusive = new Map();
  const walk = (node, onStack) => {
    const name = nameOf(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    // A function counted once per sample however often it recurses.
    const stack = onStack.has(name) ? onStack : new Set([...onStack, name]);
    for (const fn of stack) inclusive.set(fn, (inclusive.get(fn) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, stack);
  };
  walk(profile.head, new Set());
  console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled\n\nAllocated by the function itself`);
  for (const [name, bytes] of ranked(self)) console.log(`${share(bytes)}  ${name}`);
  console.log('\nAllocated by the function and what it calls');
  for (const [name, bytes] of ranked(inclusive)) console.log(`${share(bytes)}  ${name}`);
}
