// What compressing the raw archive's payloads costs PostgreSQL (#16): pglz (the default) against
// lz4, on the benchmark's message mix, side by side in one run.
//
//   node bench/payload-compression.mjs [--messages 3000] [--rounds 3]
//
// The messages are loaded once, uncompressed (STORAGE EXTERNAL), into a staging table; then each
// round inserts all of them into a table whose payload column uses pglz and into one using lz4
// (as raw_message_archive.payload does since migration RawArchiveLz4), alternating, and prints
// PostgreSQL's own execution time of each INSERT (EXPLAIN ANALYZE) and the table's size. Uses the
// stack's PostgreSQL, in scratch tables of the postgres database, dropped at the end.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { BENCH, median, messageMix, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { messages: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.messages);
const { Client } = require('pg');
const db = new Client({ connectionString: `postgres://postgres@${BENCH.postgres}/postgres` });
await db.connect();
const tables = { stage: 'hlbench_payload_stage', pglz: 'hlbench_payload_pglz', lz4: 'hlbench_payload_lz4' };
const drop = () => db.query(`DROP TABLE IF EXISTS ${Object.values(tables).join(', ')}`);
try {
  await drop();
  await db.query(`CREATE TABLE ${tables.stage} (payload bytea)`);
  // Stored as sent, so each INSERT below compresses the payloads itself.
  await db.query(`ALTER TABLE ${tables.stage} ALTER COLUMN payload SET STORAGE EXTERNAL`);
  const mix = messageMix(N, 7);
  for (let i = 0; i < mix.length; i += 200) await db.query(`INSERT INTO ${tables.stage} SELECT unnest($1::bytea[])`, [mix.slice(i, i + 200)]);
  const sizes = mix.map((b) => b.length).sort((a, b) => a - b);
  await db.query(`CREATE TABLE ${tables.pglz} (payload bytea COMPRESSION pglz)`);
  await db.query(`CREATE TABLE ${tables.lz4} (payload bytea COMPRESSION lz4)`);
  const results = { pglz: [], lz4: [] };
  const bytes = {};
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const method of ['pglz', 'lz4']) {
      await db.query(`TRUNCATE ${tables[method]}`);
      const plan = (await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO ${tables[method]} SELECT payload FROM ${tables.stage}`)).rows[0]['QUERY PLAN'][0];
      results[method].push(plan['Execution Time']);
      bytes[method] = Number((await db.query(`SELECT pg_total_relation_size($1::regclass) AS s`, [tables[method]])).rows[0].s);
    }
  }
  const raw = mix.reduce((a, b) => a + b.length, 0);
  console.log(`\nPayload compression (${new Date().toISOString()}): ${N} messages of the mix, median ${sizes[Math.floor(N / 2)]} bytes, p90 ${sizes[Math.floor(N * 0.9)]}, ${(raw / 1048576).toFixed(1)} MiB in all; ${values.rounds} rounds, medians`);
  console.log('| Compression | INSERT of all, ms (EXPLAIN ANALYZE) | µs per message | Table size MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const method of ['pglz', 'lz4']) console.log(`| ${method} | ${median(results[method]).toFixed(1)} (${results[method].map((x) => x.toFixed(0)).join(', ')}) | ${((median(results[method]) * 1000) / N).toFixed(1)} | ${(bytes[method] / 1048576).toFixed(1)} |`);
  writeJson('payload-compression.json', { date: new Date().toISOString(), messages: N, rawBytes: raw, executionMs: results, tableBytes: bytes });
} finally {
  await drop();
  await db.end();
}
