// PostgreSQL's own account of the pipeline's statements (#16): which statements the three apps
// send per message, how often, and what each costs the server, from pg_stat_statements.
//
//   npm run build && HLTEST_SUFFIX=me node bench/pg-statements.mjs [--messages 3000] [--warmup 3000] [--port 55432] [--top 30] [--keep]
//
// pg_stat_statements must be preloaded at server start, which the machines' PostgreSQL is not, so
// this script starts a server of its own (initdb into a temporary directory, the same PostgreSQL
// binaries, the stack server's memory, WAL and autovacuum settings, plus pg_stat_statements),
// points the benchmark at it (BENCH_PG_HOSTPORT), runs bench/intake-to-queryable.mjs saturated
// after --warmup messages, resets the statistics when the measured part starts and reads them when
// it ends. Per statement (normalised by PostgreSQL: parameters, never values): calls, execution
// and planning time, rows and WAL bytes per message, beside the server's CPU per message by app
// (the same run's /proc figures). Execution time is wall time inside the executor; the rest of a
// backend's CPU (parse, protocol, commit and WAL flush) shows as the difference.
// Writes bench/out/pg-statements.json. Query texts are the apps' own SQL with $n placeholders.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '3000' },
    port: { type: 'string', default: '55432' },
    top: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const PORT = Number(values.port);
const log = (m) => process.stderr.write(`[pg-statements] ${m}\n`);

/** The server settings copied from the stack's PostgreSQL, so the private server behaves as the one measured elsewhere. */
const MIRRORED = ['shared_buffers', 'max_connections', 'max_wal_size', 'min_wal_size', 'autovacuum', 'fsync', 'synchronous_commit', 'wal_level', 'checkpoint_timeout', 'work_mem'];

const binDir = (() => {
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const dir = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(join(d, 'initdb')));
  if (!dir) throw new Error('initdb not found under /usr/lib/postgresql');
  return dir;
})();
// initdb and postgres refuse to run as root: as root, run them as the postgres user.
const AS_ROOT = userInfo().uid === 0;
const serverCommand = (cmd, args) => (AS_ROOT ? ['runuser', ['-u', 'postgres', '--', join(binDir, cmd), ...args]] : [join(binDir, cmd), args]);
const asServerUser = (cmd, args) => execFileSync(...serverCommand(cmd, args), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const dataDir = join(tmpdir(), `hl-pgstat-${PORT}`);
// No throw: stopping a server that is not running (a directory left by a killed run) is fine.
const stopServer = () => spawnSync(...serverCommand('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']), { stdio: 'ignore' });

async function mirroredSettings() {
  const { Client } = require('pg');
  const stack = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await stack.connect();
  const settings = [];
  for (const name of MIRRORED) settings.push([name, (await stack.query(`SHOW ${name}`)).rows[0][name]]);
  await stack.end();
  return settings;
}

async function startServer() {
  if (existsSync(dataDir)) {
    stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (AS_ROOT) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dataDir, uid, gid);
  }
  asServerUser('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const settings = await mirroredSettings();
  const options = [
    `-p ${PORT}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dataDir}`,
    '-c shared_preload_libraries=pg_stat_statements',
    '-c pg_stat_statements.track=all',
    '-c pg_stat_statements.track_planning=on',
    '-c pg_stat_statements.max=5000',
    ...settings.map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  asServerUser('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-o', options, 'start']);
  log(`PostgreSQL on 127.0.0.1:${PORT} (${dataDir}); mirrored from the stack: ${settings.map(([n, v]) => `${n}=${v}`).join(', ')}`);
}

await startServer();
process.env.BENCH_PG_HOSTPORT = `127.0.0.1:${PORT}`;
// Imported only now: the benchmark's database address is read when common.mjs loads.
const { BENCH_DB_URL, messageMix, writeJson } = await import('./lib/common.mjs');
const { intakeToQueryable } = await import('./intake-to-queryable.mjs');

const { Client } = require('pg');
let db;
let startTotals;
let statements = [];
let totals;
const serverTotals = async () => {
  const row = (
    await db.query(
      `SELECT d.xact_commit::bigint AS commits, d.xact_rollback::bigint AS rollbacks, w.wal_bytes::bigint AS wal_bytes, w.wal_records::bigint AS wal_records
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
    )
  ).rows[0];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
};
try {
  const pipeline = await intakeToQueryable({
    messages: messageMix(Number(values.messages), 7),
    warmup: messageMix(Number(values.warmup), 9),
    concurrency: 16,
    pacedFractions: [],
    log,
    onMeasureStart: async () => {
      db = new Client({ connectionString: BENCH_DB_URL });
      await db.connect();
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT pg_stat_statements_reset()');
      await db.query('SELECT pg_stat_reset_shared($1)', ['wal']);
      await db.query('SELECT pg_stat_reset()');
      startTotals = await serverTotals();
    },
    onMeasureEnd: async () => {
      // Statistics reach the shared counters when a backend's transaction ends; give idle ones a moment.
      await new Promise((r) => setTimeout(r, 1000));
      statements = (
        await db.query(
          `SELECT queryid::text, query, calls::bigint, total_exec_time, total_plan_time, rows::bigint, wal_bytes::bigint, shared_blks_hit::bigint, shared_blks_read::bigint, shared_blks_dirtied::bigint
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time + total_plan_time DESC`,
        )
      ).rows.map((r) => ({ ...r, calls: Number(r.calls), rows: Number(r.rows), wal_bytes: Number(r.wal_bytes), shared_blks_hit: Number(r.shared_blks_hit), shared_blks_read: Number(r.shared_blks_read), shared_blks_dirtied: Number(r.shared_blks_dirtied) }));
      const end = await serverTotals();
      totals = Object.fromEntries(Object.entries(end).map(([k, v]) => [k, v - startTotals[k]]));
    },
  });
  const n = pipeline.accepted;
  const ours = statements.filter((s) => !/pg_stat_statements|pg_stat_reset|pg_stat_database/.test(s.query));
  const execMs = ours.reduce((a, s) => a + s.total_exec_time, 0);
  const planMs = ours.reduce((a, s) => a + s.total_plan_time, 0);
  const calls = ours.reduce((a, s) => a + s.calls, 0);
  const oneLine = (q) => q.replace(/\s+/g, ' ').trim();
  console.log(`\nPostgreSQL statements per message (${new Date().toISOString()}, ${n} messages saturated after ${values.warmup} warm-up, ${pipeline.endToEndRate.toFixed(0)} msg/s, ${pipeline.lost} lost)`);
  console.log(
    `Server CPU per message (/proc): ${pipeline.cpuMsPerMessage.postgresql.toFixed(2)} ms; by app: ${Object.entries(pipeline.postgresqlByApp ?? {})
      .map(([app, ms]) => `${app} ${ms.toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `pg_stat_statements: ${(calls / n).toFixed(2)} statements, ${((execMs * 1000) / n).toFixed(0)} µs executing and ${((planMs * 1000) / n).toFixed(0)} µs planning per message; ` +
      `${(totals.commits / n).toFixed(2)} commits, ${(totals.rollbacks / n).toFixed(3)} rollbacks, ${(totals.wal_records / n).toFixed(1)} WAL records, ${(totals.wal_bytes / n / 1024).toFixed(1)} KiB WAL per message`,
  );
  console.log('| Statement | Calls per message | Exec µs per call | Exec µs per message | Plan µs per message | Rows per call | WAL bytes per message | Blocks dirtied per message |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of ours.slice(0, Number(values.top))) {
    const text = oneLine(s.query);
    console.log(
      `| \`${text.length > 140 ? `${text.slice(0, 137)}...` : text}\` | ${(s.calls / n).toFixed(2)} | ${((s.total_exec_time * 1000) / s.calls).toFixed(0)} | ${((s.total_exec_time * 1000) / n).toFixed(0)} | ${((s.total_plan_time * 1000) / n).toFixed(0)} | ${(s.rows / s.calls).toFixed(1)} | ${(s.wal_bytes / n).toFixed(0)} | ${(s.shared_blks_dirtied / n).toFixed(2)} |`,
    );
  }
  writeJson('pg-statements.json', {
    date: new Date().toISOString(),
    messages: n,
    pipeline: { endToEndRate: pipeline.endToEndRate, lost: pipeline.lost, cpuMsPerMessage: pipeline.cpuMsPerMessage, postgresqlByApp: pipeline.postgresqlByApp },
    perMessage: { statements: calls / n, execMicros: (execMs * 1000) / n, planMicros: (planMs * 1000) / n, commits: totals.commits / n, rollbacks: totals.rollbacks / n, walRecords: totals.wal_records / n, walBytes: totals.wal_bytes / n },
    statements: ours.map((s) => ({ query: oneLine(s.query), callsPerMessage: s.calls / n, execMicrosPerCall: (s.total_exec_time * 1000) / s.calls, planMicrosPerMessage: (s.total_plan_time * 1000) / n, rowsPerCall: s.rows / s.calls, walBytesPerMessage: s.wal_bytes / n })),
  });
} finally {
  await db?.end().catch(() => undefined);
  if (!values.keep) {
    stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  } else log(`kept: ${dataDir} (stop with pg_ctl -D ${dataDir} stop)`);
}
process.exit(0);
