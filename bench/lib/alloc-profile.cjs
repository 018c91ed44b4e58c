// A preload (`node --require ./bench/lib/alloc-profile.cjs`) that samples everything the process
// allocates, objects collected since included (V8's sampling heap profiler with
// includeObjectsCollectedByMajorGC/MinorGC): what a process allocates per request, which
// `--heap-prof` (what is still alive at the end) does not show. For an app a benchmark starts:
//
//   HLTEST_SUFFIX=reads node bench/read-latency.mjs --split --node-args="--require ./bench/lib/alloc-profile.cjs"
//
// The profile is written when the process gets SIGTERM (how the benchmarks stop their apps), before
// the app's own shutdown runs, to $BENCH_ALLOC_PROFILE_DIR (default bench/out/profiles) as
// alloc-<pid>.heapprofile. Summarise it with bench/lib/heapprofile-summary.mjs, or open it in
// Chrome DevTools (Memory).
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const dir = resolve(process.env.BENCH_ALLOC_PROFILE_DIR ?? join(__dirname, '..', 'out', 'profiles'));
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
// A session on the process's own thread answers synchronously, so the file is written before the
// app's SIGTERM handlers (which end the process) run.
process.prependOnceListener('SIGTERM', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(result.profile));
  });
});
