#!/usr/bin/env bash
# Installs everything the tests need (scripts/setup.sh), checks the generated config types and the strict type
# checks, then runs every test (vitest: unit, end to end against DynamoDB Local, and the real hosts under
# test/hosts: PyAirbyte, Meltano, a Singer shell pipe). Ends with the line "N passed, M failed"; exits non-zero
# when anything failed. Arguments go to vitest (e.g. `bash scripts/test.sh test/hosts`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "--- generated config types are up to date with schemas/spec.json"
node scripts/generate-config-types.mjs --check

echo "--- type-check (strict)"
npm run --silent typecheck
npx tsc -p tsconfig.test.json --noEmit

echo "--- npm test"
results=$(mktemp)
status=0
npm test -- --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$results" || { echo "0 passed, 1 failed"; status=1; }
rm -f "$results"
exit $status
