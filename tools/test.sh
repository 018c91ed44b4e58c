#!/usr/bin/env bash
# `npm test`: typecheck, unit tests, then integration and end-to-end tests against the real
# local stack (Kafka, schema registry, PostgreSQL), which this script starts when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-system-packages.sh

echo "== typecheck and lint"
npx tsc -p tsconfig.json --noEmit
npx eslint . --max-warnings=50
npx depcruise apps libs test bench --config .dependency-cruiser.cjs

echo "== npm audit (production dependencies; fails on high/critical)"
bash tools/npm-audit.sh

echo "== unit tests"
npx jest --selectProjects unit --ci

echo "== build (integration tests start the compiled apps as processes)"
npm run build --silent

echo "== local stack"
node tools/stack/stack.mjs up

echo "== official FHIR validator (HAPI FHIR from Maven Central, built once into .stack/fhir-validator)"
node tools/fhir-validator/build.mjs >/dev/null

echo "== integration and end-to-end tests"
# --forceExit: a kafkajs client that is still reconnecting after a test closed its hub can keep
# the event loop alive; the tests have already passed or failed by then, so do not wait on it.
npx jest --selectProjects integration e2e --runInBand --ci --forceExit

echo "== benchmarks, quick mode (checks they run; figures come from npm run bench)"
node bench/run.mjs --quick
