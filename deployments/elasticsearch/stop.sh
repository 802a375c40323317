#!/usr/bin/env bash
# Stops the node that start.sh started (by its pid file) and waits for it to
# exit; with ES_NODES > 1 every node of the cluster, or node ES_NODE alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${ES_STATE_DIR:-$here/.data}

stop_pidfile() {
  local pidfile=$1
  if [ ! -s "$pidfile" ]; then
    echo "elasticsearch: no pid file at $pidfile; nothing to stop"
    return 0
  fi
  local pid
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
}

if [ "${ES_NODES:-1}" -le 1 ]; then
  stop_pidfile "$state/elasticsearch.pid"
  exit 0
fi
for i in $(seq "$ES_NODES"); do
  if [ -z "${ES_NODE:-}" ] || [ "$ES_NODE" = "$i" ]; then
    stop_pidfile "$state/node-$i/elasticsearch.pid"
  fi
done
