#!/usr/bin/env bash
# The full test suite: what README.md tells a developer to run and what CI runs.
# Installs what it needs (idempotently), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings

echo "== Rust tests (unit, properties, real sockets, real SQLite)"
cargo build --release
cargo test --all-targets

if [ -f web-client/package.json ]; then
  echo "== browser tests (Debian's chromium driven by playwright-core)"
  need=()
  for p in chromium fonts-liberation; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || need+=("$p")
  done
  if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  (cd web-client && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error; })
  bash scripts/browser-tests.sh
fi
