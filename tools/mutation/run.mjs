#!/usr/bin/env node
/**
 * Mutation testing of the Nest-free domain libraries (issue #18): Stryker with the jest runner and
 * the TypeScript checker, per-test coverage, each library against its OWN unit specs only
 * (tools/mutation/jest.config.js). Fails (exit 1) when a library scores below the floor.
 *
 *   npm run test:mutation                      every library below, one after the other
 *   npm run test:mutation -- projections fhir  only these
 *   npm run test:mutation -- messages --mutate libs/messages/src/identifiers/norwegian-id.util.ts
 *   options: --concurrency N (default 2), --incremental (reuse the last run's results for
 *            unchanged code and tests), --mutate <glob> (repeatable, narrows what is mutated),
 *            --static (also mutate module-level constants, see below)
 *
 * Reports: reports/mutation/<lib>/index.html and mutation.json (git-ignored). Runs outside
 * `npm test`: see docs/testing.md for the runtime and why.
 */
import { Stryker } from '@stryker-mutator/core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIBRARIES = ['projections', 'messages', 'normalization', 'contracts', 'fhir', 'auth', 'coalescing'];
export const BREAK = 85;

/** Test support that ships inside a library but is not library behaviour: never mutated. */
const TEST_SUPPORT = ['!libs/*/src/**/*.spec.ts', '!libs/*/src/testing/**', '!libs/*/src/**/*.fake.ts'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function parseArgs(argv) {
  const args = { libs: [], mutate: [], concurrency: 2, incremental: false, static: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--mutate') args.mutate.push(argv[++i]);
    else if (a === '--concurrency') args.concurrency = Number(argv[++i]);
    else if (a === '--incremental') args.incremental = true;
    else if (a === '--static') args.static = true;
    else if (LIBRARIES.includes(a)) args.libs.push(a);
    else throw new Error(`Unknown argument ${a}; libraries: ${LIBRARIES.join(', ')}`);
  }
  if (!(args.concurrency >= 1)) throw new Error('--concurrency needs a positive number');
  if (args.libs.length === 0) args.libs = [...LIBRARIES];
  return args;
}

function optionsFor(lib, args) {
  const reportDir = `reports/mutation/${lib}`;
  const ownMutate = args.mutate.filter((m) => m.startsWith(`libs/${lib}/`));
  return {
    testRunner: 'jest',
    jest: { projectType: 'custom', configFile: 'tools/mutation/jest.config.js', enableFindRelatedTests: false },
    checkers: ['typescript'],
    tsconfigFile: 'tools/mutation/tsconfig.json',
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    // A mutant in a module-level constant (a code table, a namespace, a regular expression) runs
    // before any test, so per-test coverage cannot narrow it: each one reruns the library's whole
    // suite (minutes for libs/messages on the shared machine). They are left out unless --static.
    ignoreStatic: !args.static,
    mutate: [...(ownMutate.length > 0 ? ownMutate : [`libs/${lib}/src/**/*.ts`]), ...TEST_SUPPORT],
    ignorePatterns: ['dist', 'coverage', 'reports', 'bench/out', 'test-results', '.stack', '*.log'],
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: `${reportDir}/index.html` },
    jsonReporter: { fileName: `${reportDir}/mutation.json` },
    clearTextReporter: { reportTests: false, reportMutants: true, reportScoreTable: true, logTests: false },
    thresholds: { high: 90, low: BREAK, break: BREAK },
    incremental: args.incremental,
    incrementalFile: `${reportDir}/stryker-incremental.json`,
    concurrency: args.concurrency,
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    timeoutMS: 5000,
    plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'],
  };
}

/**
 * Specs find the national examples and XSDs at ../shared/corpus next to the repository. Stryker
 * runs them in a copy at .stryker-tmp/sandbox-<id>/, so .stryker-tmp/shared points at the real
 * folder: the corpus conformance and XSD specs run (and kill mutants) instead of skipping.
 */
function linkSharedCorpus() {
  const shared = path.resolve(root, '../shared');
  const link = path.join(root, '.stryker-tmp', 'shared');
  if (!fs.existsSync(shared) || fs.existsSync(link)) return;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(shared, link);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  process.chdir(root);
  // Read by the fuzz and differential specs of libs/messages: a tenth of their generated cases,
  // because every surviving mutant reruns them.
  process.env.HUB_MUTATION_RUN = '1';
  const summary = [];
  for (const lib of args.libs) {
    process.env.MUTATION_LIB = lib;
    linkSharedCorpus();
    const started = Date.now();
    const results = await new Stryker(optionsFor(lib, args)).runMutationTest();
    const seconds = Math.round((Date.now() - started) / 1000);
    const counts = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, compileError: 0, ignored: 0, other: 0 };
    for (const r of results) {
      if (r.status === 'Killed') counts.killed++;
      else if (r.status === 'Survived') counts.survived++;
      else if (r.status === 'NoCoverage') counts.noCoverage++;
      else if (r.status === 'Timeout') counts.timeout++;
      else if (r.status === 'CompileError') counts.compileError++;
      else if (r.status === 'Ignored') counts.ignored++;
      else counts.other++;
    }
    const detected = counts.killed + counts.timeout;
    const valid = detected + counts.survived + counts.noCoverage;
    const score = valid === 0 ? 100 : (100 * detected) / valid;
    summary.push({ lib, score: score.toFixed(2), mutants: valid, ...counts, seconds });
    // Stryker sets process.exitCode itself when a library breaks the threshold; keep going so
    // every requested library is reported, and fail at the end.
  }
  console.log('\nMutation scores (break below %d %%):', BREAK);
  console.table(summary);
  const failed = summary.filter((s) => Number(s.score) < BREAK);
  if (failed.length > 0) {
    console.error(`Below the floor: ${failed.map((f) => `${f.lib} ${f.score} %`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
