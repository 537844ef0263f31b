#!/usr/bin/env bash
# `npm test`: the whole suite — lint, typecheck, unit, integration on SQLite and on PostgreSQL,
# end-to-end in Chromium. Every step runs even after a failure; the summary line counts tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
results_dir="test-reports"  # not test-results/: Playwright empties that folder when it starts
rm -rf "$results_dir" && mkdir -p "$results_dir"
failed_steps=()

step() {
  local name="$1"; shift
  echo
  echo "==> $name"
  if ! "$@"; then failed_steps+=("$name"); fi
}

step "format" npx prettier --check . --log-level=warn
step "lint" npx eslint . --max-warnings=0
step "typecheck" bash -c "npx next typegen >/dev/null && npx tsc --noEmit"
step "unit tests" npx vitest run --project unit --reporter=default --reporter=json --outputFile="$results_dir/unit.json"
step "integration tests (SQLite)" npx vitest run --project integration --reporter=default --reporter=json --outputFile="$results_dir/integration-sqlite.json"
step "integration tests (PostgreSQL)" npx tsx scripts/with-postgres.ts npx vitest run --project integration --reporter=default --reporter=json --outputFile="$results_dir/integration-postgres.json"
step "end-to-end tests (Chromium)" env PLAYWRIGHT_JSON_OUTPUT_NAME="$results_dir/e2e.json" npx playwright test --reporter=list,json

echo
npx tsx scripts/test-summary.ts "$results_dir" "${failed_steps[@]+"${failed_steps[@]}"}"
