#!/usr/bin/env bash
# The full test suite: what README.md tells a developer to run and what CI runs.
# Installs what it needs (idempotently), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings

# Installs the Debian packages named that are missing; answers whether it installed any.
install_missing() {
  local need=() p
  for p in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || need+=("$p")
  done
  ((${#need[@]})) || return 1
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# PostgreSQL (the hosted store) and HAProxy (the failover test runs deploy/haproxy.cfg).
if install_missing postgresql haproxy; then
  # The packages start system services; the tests start their own, on loopback.
  systemctl stop haproxy postgresql 2>/dev/null || service haproxy stop 2>/dev/null || true
fi

echo "== Rust tests (unit, properties, real sockets, real SQLite, PostgreSQL and HAProxy)"
cargo build --release
cargo test --all-targets

echo "== the server's tests again, on PostgreSQL instead of SQLite"
pg_dir=$(mktemp -d /tmp/democreatie-pg.XXXXXX)
chmod 755 "$pg_dir"
trap 'bash scripts/pg-throwaway.sh stop "$pg_dir/cluster"; rm -rf "$pg_dir"' EXIT
DEMOCREATIE_TEST_DATABASE_URL=$(bash scripts/pg-throwaway.sh start "$pg_dir/cluster")
export DEMOCREATIE_TEST_DATABASE_URL
# Every test file that starts a server, except those about SQLite's own file: storage.rs
# (a full disk, a damaged file), restart.rs and golden.rs (they open, edit or damage the
# .sqlite3 file, or read it with `democreatie report --database`) and cli.rs. store.rs and
# failover.rs run on PostgreSQL in the first pass already.
cargo test $(for t in server patches reveal secret_ballot budget debrief hostile hardening slow_reader soak; do echo "--test $t"; done)
unset DEMOCREATIE_TEST_DATABASE_URL

if [ -f web-client/package.json ]; then
  echo "== browser tests (Debian's chromium driven by playwright-core)"
  install_missing chromium fonts-liberation || true
  (cd web-client && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error; })
  bash scripts/browser-tests.sh
fi
