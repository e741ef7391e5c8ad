#!/usr/bin/env bash
# Browser tests: the real release binary on 127.0.0.1, Debian's chromium driven by
# playwright-core (node --test). Screenshots go to web-client/tests/artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BROWSER_TEST_PORT:-18199}
data=$(mktemp -d)
# A scenario folder with one broken file: the host page must show it, and every
# built-in case must stay available.
mkdir -p "$data/cases"
printf 'id = "kapot"\ntitel = "Een tikfout"\n' >"$data/cases/kapot.toml"
./target/release/democreatie serve --addr "127.0.0.1:$PORT" --data-dir "$data" --scenarios "$data/cases" \
  >"$data/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
mkdir -p web-client/tests/artifacts
status=0
(cd web-client && BASE_URL="http://127.0.0.1:$PORT" CHROMIUM_PATH=/usr/bin/chromium \
  SHOT_DIR="$PWD/tests/artifacts" timeout 900 npm test) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---"
  tail -n 40 "$data/server.log"
fi
exit "$status"
