#!/usr/bin/env bash
# `npm run demo`: on a fresh machine, start the stack, build and start the hub, push a demo
# load of realistic e-meldinger, and print where to look. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${DEMO_MESSAGES:-300}"
PORT="${PORT:-3000}"
export HENDELSESLAGER_DEV_ISSUER=true
export HENDELSESLAGER_DIRECTORY="${HENDELSESLAGER_DIRECTORY:-config/directory.demo.yaml}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hendelseslager}"
export LOG_JSON="${LOG_JSON:-true}"
# The page signs in through the stack's OpenID provider (HelseID's stand-in, tools/idp).
export HENDELSESLAGER_PUBLIC_BASE_URL="${HENDELSESLAGER_PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export WEB_OIDC_ISSUER="${WEB_OIDC_ISSUER:-http://127.0.0.1:${IDP_PORT:-4455}}"
export WEB_OIDC_PRIVATE_KEY="${WEB_OIDC_PRIVATE_KEY:-.stack/idp/hendelseslager-web.private.jwk.json}"

echo "== local stack (Kafka, schema registry, PostgreSQL, OpenID provider)"
PORT="$PORT" node tools/stack/stack.mjs up

echo "== build"
npm run build --silent

echo "== database migrations"
node bin/hendelseslager.js migrate

mkdir -p .stack/logs .stack/run
if [ -f .stack/run/hub.pid ] && kill -0 "$(cat .stack/run/hub.pid)" 2>/dev/null; then
  echo "== hub already running (pid $(cat .stack/run/hub.pid))"
else
  echo "== starting the hub on port $PORT (log: .stack/logs/hub.log)"
  PORT="$PORT" nohup node --max-old-space-size=256 --max-semi-space-size=16 dist/apps/hub/src/main.js >>.stack/logs/hub.log 2>&1 &
  echo $! > .stack/run/hub.pid
fi
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null || { echo "hub did not become ready; see .stack/logs/hub.log" >&2; exit 1; }

echo "== pushing $COUNT demo messages"
node bin/hendelseslager.js demo load --url "http://127.0.0.1:$PORT" --count "$COUNT"

READ_TOKEN=$(node bin/hendelseslager.js token --client demo-legevakt --scope patients:read --kommune 3428 --hpr 9876543 --name "Demo Sykepleier")
METRICS_TOKEN=$(node bin/hendelseslager.js token --client demo-prometheus --scope metrics:read)
cat <<INFO

Hendelseslager is running (pid $(cat .stack/run/hub.pid)).
  Patient overview page:   $HENDELSESLAGER_PUBLIC_BASE_URL/   ("Logg inn med HelseID": the local OpenID provider
                           $WEB_OIDC_ISSUER; log in as lege or sykepleier (security level 4, HPR
                           number, Alvdal) or kontor (level 3: refused patient lookups), any password)
  FHIR CapabilityStatement: http://127.0.0.1:$PORT/fhir/3428/metadata
  Health:                  http://127.0.0.1:$PORT/health/ready
  Metrics (scope metrics:read): curl -H "Authorization: Bearer $METRICS_TOKEN" http://127.0.0.1:$PORT/metrics
  Logs:                    .stack/logs/hub.log (stack: npm run stack -- logs)

A read token for kommune 3428 (Alvdal), one hour:
  export TOKEN=$READ_TOKEN
Search services for a demo patient (the identifier goes in the body, never the URL):
  curl -s -X POST http://127.0.0.1:$PORT/fhir/3428/EpisodeOfCare/_search \\
    -H "Authorization: Bearer \$TOKEN" -H "X-Purpose-Of-Use: TREAT" \\
    --data-urlencode "patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|13116900216"

Stop: kill \$(cat .stack/run/hub.pid); npm run stack -- down
INFO
