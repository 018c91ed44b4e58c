import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The V8 heap flags an app runs with (config/node-heap.json), as users run it. */
export function nodeHeapFlags(app: string): string[] {
  const flags = JSON.parse(readFileSync(join(ROOT, 'config', 'node-heap.json'), 'utf8')) as { hub: string[]; app: string[] };
  return app === 'hub' ? flags.hub : flags.app;
}

/** A TCP port that is free right now (the OS picks it), for an app process to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  output: string[];
  /** SIGKILL: no shutdown hooks, no commits (fault drills). */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * Starts a compiled app (`npm run build`, done by tools/test.sh) as its own process, so tests can
 * kill it with SIGKILL at any point, as a crash would.
 */
export async function startAppProcess(app: 'hub' | 'intake' | 'normalizer' | 'projector' | 'notifier' | 'read-api', env: Record<string, string>, port: number): Promise<AppProcess> {
  const main = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} missing: run \`npm run build\` before the integration tests`);
  const output: string[] = [];
  // With the heap flags users run it with (config/node-heap.json), so a test would see a process that does not fit them.
  const child = spawn(process.execPath, [...nodeHeapFlags(app), main], { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app} exited during start:\n${output.slice(-20).join('\n')}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/live`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    port,
    output,
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What a run of the ops CLI printed, and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled ops CLI (`bin/hendelseslager.js`) as a real process with exactly `env`, and
 * resolves when it exits; `started` sees the child first (to signal it, for instance).
 */
export function runCli(env: NodeJS.ProcessEnv, args: string[], started: (child: ChildProcess) => void = () => undefined): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/hendelseslager.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
