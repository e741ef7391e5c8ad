#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests, in a folder of its own:
#   bash scripts/pg-throwaway.sh start DIR   prints its URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   bash scripts/pg-throwaway.sh stop DIR    stops it (the folder can then be removed)
#   bash scripts/pg-throwaway.sh down DIR    stops it for a while (an outage, in a test)
#   bash scripts/pg-throwaway.sh up DIR      starts it again on the same port
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (Debian's
# package creates it). Trust authentication on loopback only: never for real data.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2
  exit 1
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    bash "$0" up "$dir"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  up)
    port=$(cat "$dir/port")
    # fsync off: the tests kill nodes, never PostgreSQL itself.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  down)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop|down|up DIR" >&2
    exit 2
    ;;
esac
