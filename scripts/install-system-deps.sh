#!/usr/bin/env bash
# System packages the interop tests need (interop/README.md): Debian's python3-websockets for
# /usr/bin/python3, and Debian's chromium (driven by playwright-core; no browser download).
# Idempotent: does nothing when both are present. Installs them when we are root with apt-get;
# otherwise fails under CI=true and warns elsewhere (the tests then skip loudly).
set -euo pipefail

PACKAGES=(python3-websockets chromium)

have_tools() {
  [[ -x /usr/bin/chromium ]] && /usr/bin/python3 -c "import websockets" >/dev/null 2>&1
}

if have_tools; then
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing system packages for the interop tests: ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-system-deps: apt-get install ${PACKAGES[*]} failed" >&2
    exit 1
  fi
  rm -f "$log"
  if ! have_tools; then
    echo "install-system-deps: installed ${PACKAGES[*]}, but /usr/bin/chromium or python3's websockets is still missing" >&2
    exit 1
  fi
  exit 0
fi

message="install-system-deps: ${PACKAGES[*]} missing, and cannot install them (needs root and apt-get)"
if [[ "${CI:-}" == "true" ]]; then
  echo "$message" >&2
  exit 1
fi
echo "WARNING: $message; the interop tests that need them will be SKIPPED." >&2
