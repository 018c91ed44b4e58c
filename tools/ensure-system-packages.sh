#!/usr/bin/env bash
# System packages the tests need beyond Node, Java and Maven: xmllint (XSD validation of
# AppRecs and built messages), Chromium (the web page's end-to-end test) and Prometheus'
# promtool (the alert rules in ops/prometheus, libs/observability/src/alert-rules.spec.ts).
set -euo pipefail
missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi
