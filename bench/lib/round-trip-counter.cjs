// Preloaded into the hub's apps by bench/round-trips.mjs (NODE_OPTIONS=--require): counts the
// I/O round trips each process makes, by kind, and writes them to ROUND_TRIP_COUNTS_DIR/<app>.json
// every 200 ms (cumulative: the bench subtracts the counts read when its measured part starts).
// Benchmark instrumentation only: the apps never load it otherwise.
//
// Counted: HTTP requests served (diagnostics channel `http.server.request.start`), PostgreSQL
// statements (pg `Client#query`, one round trip each: pg does not pipeline), Kafka requests by
// API as kafkajs reports them (its REQUEST instrumentation event; a process on
// KAFKA_CLIENT=platformatic is not counted), and messages posted to worker threads (one round
// trip each for the XSD pool: request and verdict).
'use strict';
const { isMainThread } = require('node:worker_threads');

const dir = process.env.ROUND_TRIP_COUNTS_DIR;
if (isMainThread && dir) {
  const { renameSync, writeFileSync } = require('node:fs');
  const { join } = require('node:path');
  const Module = require('node:module');
  const app = /dist\/apps\/([^/]+)\//.exec(process.argv[1] ?? '')?.[1] ?? `pid-${process.pid}`;
  const counts = {};
  const add = (key) => (counts[key] = (counts[key] ?? 0) + 1);

  require('node:diagnostics_channel').subscribe('http.server.request.start', () => add('http:request'));
  const { Worker } = require('node:worker_threads');
  const postMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (...args) {
    add('worker:message');
    return postMessage.apply(this, args);
  };

  const load = Module._load;
  const patched = new Set();
  Module._load = function (request, ...rest) {
    const loaded = load.call(this, request, ...rest);
    if (request === 'kafkajs' && loaded?.Kafka && !patched.has('kafkajs')) {
      patched.add('kafkajs');
      for (const kind of ['consumer', 'producer', 'admin']) {
        const make = loaded.Kafka.prototype[kind];
        loaded.Kafka.prototype[kind] = function (...args) {
          const client = make.apply(this, args);
          client.on(client.events.REQUEST, (e) => add(`kafka:${e.payload.apiName}`));
          return client;
        };
      }
    }
    if (request === 'pg' && loaded?.Client && !patched.has('pg')) {
      patched.add('pg');
      const query = loaded.Client.prototype.query;
      loaded.Client.prototype.query = function (...args) {
        add('pg:statement');
        return query.apply(this, args);
      };
    }
    return loaded;
  };

  const file = join(dir, `${app}.json`);
  // Written aside and renamed, so the bench never reads half a file.
  setInterval(() => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ app, pid: process.pid, counts }));
    renameSync(`${file}.tmp`, file);
  }, 200).unref();
}
