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
# Every page of every test comes from 127.0.0.1: lift the per-address room limit (the
# hostile tests in tests/hardening.rs cross it on purpose).
DEMOCREATIE_ROOMS_PER_ADDRESS_PER_HOUR=0 \
./target/release/democreatie serve --addr "127.0.0.1:$PORT" --data-dir "$data" --scenarios "$data/cases" \
  >"$data/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
# A second server on the golden database recorded on 2026-11-30 (tests/golden), with one
# room's log broken on purpose: its host page must show the read-only banner, and its
# secret-ballot room must show how many voted, not who.
GOLDEN_PORT=$((PORT + 1))
mkdir -p "$data/golden"
cp tests/golden/2026-11-30/democreatie.sqlite3 "$data/golden/"
python3 - "$data/golden/democreatie.sqlite3" tests/golden/2026-11-30/rooms.json <<'PY'
import json, sqlite3, sys
rooms = json.load(open(sys.argv[2]))
room = next(r for r in rooms if r["host_view"]["scenario"]["id"] == "buurthuis")["room"]
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE commands SET command = '{\"type\":\"note\",\"kind\":\"lesson\",\"text\":\"x\"}' "
           "WHERE room = ? AND seq = (SELECT max(seq) FROM commands WHERE room = ?)", (room, room))
db.commit()
PY
./target/release/democreatie serve --addr "127.0.0.1:$GOLDEN_PORT" --data-dir "$data/golden" \
  >"$data/golden.log" 2>&1 &
golden_pid=$!
trap 'kill "$pid" "$golden_pid" 2>/dev/null || true; wait "$pid" "$golden_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for port in "$PORT" "$GOLDEN_PORT"; do
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
mkdir -p web-client/tests/artifacts
status=0
(cd web-client && BASE_URL="http://127.0.0.1:$PORT" GOLDEN_URL="http://127.0.0.1:$GOLDEN_PORT" \
  GOLDEN_ROOMS="$PWD/../tests/golden/2026-11-30/rooms.json" CHROMIUM_PATH=/usr/bin/chromium \
  SHOT_DIR="$PWD/tests/artifacts" timeout 900 npm test) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---"
  tail -n 40 "$data/server.log"
  echo "--- golden server log (last 20 lines) ---"
  tail -n 20 "$data/golden.log"
fi
exit "$status"
