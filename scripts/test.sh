#!/usr/bin/env bash
# The whole default test run: type checks, then every vitest project.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Debian packages the interop tests use (installed when missing and we are root; required on CI).
bash scripts/install-system-deps.sh
echo "== typecheck"
pnpm -r --if-present typecheck
echo "== tests"
vitest run
