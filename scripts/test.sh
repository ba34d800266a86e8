#!/usr/bin/env bash
# The whole default test run: type checks, then every vitest project.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
echo "== typecheck"
pnpm -r --if-present typecheck
echo "== tests"
vitest run
