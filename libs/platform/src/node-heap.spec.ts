import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * config/node-heap.json holds the V8 heap flags the hub's processes run with (the all-in-one hub's,
 * and one app's): every launcher a user or our tools start the hub with carries them, and V8 takes
 * them as the heap limit they mean. Without them V8 sizes the heap from the machine's memory (4 GB
 * on 24 GiB) and leaves garbage for so long that an app's RSS passed its 300 MiB budget (#16).
 */
const root = join(__dirname, '../../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const flags = JSON.parse(read('config/node-heap.json')) as { hub: string[]; app: string[] };
const size = (list: string[], name: string) => Number(new RegExp(`^--${name}=(\\d+)$`).exec(list.find((f) => f.startsWith(`--${name}=`)) ?? '')?.[1]);

describe('the V8 heap flags (config/node-heap.json)', () => {
  it.each(['hub', 'app'] as const)('%s: an old-generation cap and a young generation, and for one app a heap growing factor; nothing else', (kind) => {
    expect(flags[kind]).toHaveLength(kind === 'app' ? 3 : 2);
    expect(size(flags[kind], 'max-old-space-size')).toBeGreaterThanOrEqual(128);
    expect(size(flags[kind], 'max-semi-space-size')).toBeGreaterThanOrEqual(8);
    // Under a cap this small V8 marks the old generation whenever it grew by 30 %; an app lets it double.
    if (kind === 'app') expect(size(flags.app, 'heap-growing-percent')).toBe(100);
  });

  it('an app takes the growing factor (V8 refuses an unknown flag), which NODE_OPTIONS would not', () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      execFileSync(process.execPath, [...args, '-p', '1'], { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run(flags.app).trim()).toBe('1');
    const growing = flags.app.find((f) => f.startsWith('--heap-growing-percent='))!;
    expect(() => run([], { NODE_OPTIONS: growing })).toThrow(/not allowed in NODE_OPTIONS/);
  });

  it('gives the hub, which runs every app, more heap than one app', () => {
    expect(size(flags.hub, 'max-old-space-size')).toBeGreaterThan(size(flags.app, 'max-old-space-size'));
  });

  it.each(['hub', 'app'] as const)('%s: node takes them as that heap limit (old generation plus three semi-spaces)', (kind) => {
    const limit = Number(execFileSync(process.execPath, [...flags[kind], '-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' }));
    const expected = size(flags[kind], 'max-old-space-size') + 3 * size(flags[kind], 'max-semi-space-size');
    expect(limit / 2 ** 20).toBeCloseTo(expected, 0);
  });

  it('npm start and the demo start the hub with the hub flags', () => {
    const command = `node ${flags.hub.join(' ')} dist/apps/hub/src/main.js`;
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start).toContain(command);
    expect(read('tools/demo.sh')).toContain(command);
  });

  it('the image runs the hub with them in NODE_OPTIONS (overridable), set after the build so tsc is not held to them', () => {
    const dockerfile = read('docker/Dockerfile').trimEnd().split('\n');
    const env = dockerfile.findIndex((line) => line === `ENV NODE_OPTIONS="${flags.hub.join(' ')}"`);
    const lastRun = dockerfile.map((line, i) => (line.startsWith('RUN ') ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(env).toBeGreaterThan(lastRun);
    expect(dockerfile.at(-1)).toBe('CMD ["node", "dist/apps/hub/src/main.js"]');
  });
});
