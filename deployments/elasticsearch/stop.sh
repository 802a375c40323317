#!/usr/bin/env bash
# Stops the node that start.sh started (by its pid file) and waits for it to exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${ES_STATE_DIR:-$here/.data}
pidfile="$state/elasticsearch.pid"
if [ ! -s "$pidfile" ]; then
  echo "elasticsearch: no pid file at $pidfile; nothing to stop"
  exit 0
fi
pid=$(cat "$pidfile")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
echo "elasticsearch: stopped (pid $pid)"
