#!/usr/bin/env bash
# Load benchmark: the server pinned to core 0, the load generator to core 1, stepping
# the number of participants; prints one Markdown table (see docs/performance.md).
# Usage: bash scripts/bench.sh [LEVELS...]   (default: 500 1000 2000 5000 10000 20000)
# Environment: INTERVAL (seconds between one player's notes, default 30),
#              DURATION (seconds of notes, default 60), PORT (default 18777),
#              BIN (the server binary, default this checkout's release build: set it to
#              an older build to compare two versions in one run on one machine),
#              LOADGEN_ARGS (more loadgen flags; the peer workload of issue #14 is
#              "--tables 1 --screen-notes --patches" with INTERVAL=10).
set -euo pipefail
cd "$(dirname "$0")/.."
levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(500 1000 2000 5000 10000 20000)
INTERVAL=${INTERVAL:-30}
DURATION=${DURATION:-60}
PORT=${PORT:-18777}
cargo build --release --quiet --bin democreatie --example loadgen
BIN=${BIN:-./target/release/democreatie}
header=--header
for n in "${levels[@]}"; do
  data=$(mktemp -d)
  # The load comes from one address: lift the per-address limits (environment variables,
  # so that an older BIN, which knows no such flags, still starts).
  DEMOCREATIE_MAX_CONNECTIONS_PER_ADDRESS=0 DEMOCREATIE_ROOMS_PER_ADDRESS_PER_HOUR=0 \
  taskset -c 0 "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$data" \
    --max-rooms 100000 --max-connections 19000 >"$data/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
  taskset -c 1 ./target/release/examples/loadgen --server "127.0.0.1:$PORT" --participants "$n" \
    --interval "$INTERVAL" --duration "$DURATION" --server-pid "$pid" $header ${LOADGEN_ARGS:-} || true
  header=
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
