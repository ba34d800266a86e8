#!/usr/bin/env bash
# The whole default test run: type checks, the API reference's validation, then every vitest project.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Debian packages the interop tests use (installed when missing and we are root; required on CI).
bash scripts/install-system-deps.sh
echo "== typecheck"
pnpm -r --if-present typecheck
echo "== api reference (typedoc validation only: a broken {@link} or an unexported type fails)"
typedoc --emit none
echo "== tests"
results="$(mktemp -d)/vitest.json"
status=0
vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
echo "== fuzz (CI budget: a fixed seed and a random one, printed)"
pnpm --filter @wsengine/fuzz fuzz:ci || status=$?
# One plain closing line with the counts, from vitest's JSON report.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results"
exit "$status"
