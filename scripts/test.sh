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
vitest run
echo "== fuzz (CI budget: a fixed seed and a random one, printed)"
pnpm --filter @wsengine/fuzz fuzz:ci
