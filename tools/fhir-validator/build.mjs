#!/usr/bin/env node
// Fetches HAPI FHIR's validator from Maven Central and compiles FhirValidatorServer.java, once:
// the result is cached in .stack/fhir-validator/<key>/ (key = hash of pom.xml and the source),
// with a .complete marker, so later runs only print where it is. Plain Node ESM, built-ins only.
//
//   node tools/fhir-validator/build.mjs          # build if needed; prints {"classpath":...,"builtMs":...}
//
// Used by tools/test.sh before the test tiers and by test/support/fhir-validator.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pom = path.join(here, 'pom.xml');
const source = path.join(here, 'FhirValidatorServer.java');

export function validatorBuild() {
  const key = createHash('sha256').update(fs.readFileSync(pom)).update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  const dir = path.join(root, '.stack', 'fhir-validator', key);
  const classpath = [path.join(dir, 'classes'), path.join(dir, 'lib', '*')].join(path.delimiter);
  if (fs.existsSync(path.join(dir, '.complete'))) return { classpath, dir, builtMs: 0 };
  const started = Date.now();
  // Build beside the final folder and rename, so a concurrent or interrupted build never leaves a half folder marked complete.
  const work = `${dir}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'classes'), { recursive: true });
  const run = (cmd, args, log) => {
    try {
      execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60 * 1000, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      fs.writeFileSync(path.join(work, log), `${error.stdout ?? ''}${error.stderr ?? ''}`);
      throw new Error(`fhir-validator: ${cmd} failed (${error.message.split('\n')[0]}); see ${path.relative(root, path.join(work, log))}`);
    }
  };
  run(process.env.MVN || 'mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`], 'mvn.log');
  run('javac', ['-nowarn', '-d', path.join(work, 'classes'), '-cp', path.join(work, 'lib', '*'), source], 'javac.log');
  fs.writeFileSync(path.join(work, '.complete'), new Date().toISOString());
  try {
    fs.renameSync(work, dir);
  } catch (error) {
    // Another build finished first: use it.
    if (!fs.existsSync(path.join(dir, '.complete'))) throw error;
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { classpath, dir, builtMs: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = validatorBuild();
  process.stdout.write(`${JSON.stringify({ classpath: result.classpath, builtMs: result.builtMs })}\n`);
}
