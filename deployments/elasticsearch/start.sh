#!/usr/bin/env bash
# Starts the local single-node Elasticsearch 8 (see pom.xml for why this
# distribution) on 127.0.0.1:9200, waits until it answers, and writes a pid file.
# Reuses a node that already answers. Data and logs live under .data/, which
# git ignores.
#
# ES_NODES=N (N > 1) starts a cluster of N nodes instead, each its own JVM
# (512 MB heap unless ES_JAVA_OPTS says otherwise) with its data, logs and pid
# file under $ES_STATE_DIR/node-<i>/, HTTP on ES_PORT+i-1 and transport on
# ES_PORT+100+i-1, sharing $ES_STATE_DIR/snapshots as snapshot repository;
# it waits until all N have joined. ES_NODE=i with it starts node i alone (a
# node of the cluster that was stopped or killed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${ES_PORT:-9200}
url="http://127.0.0.1:${port}"
state=${ES_STATE_DIR:-$here/.data}
pidfile="$state/elasticsearch.pid"
wait_secs=${ES_WAIT_SECONDS:-180}
nodes=${ES_NODES:-1}

answers() { curl -fsS -o /dev/null "$1/_cluster/health" 2>/dev/null; }

home=$(ls -d "$here"/target/elasticsearch-8.* 2>/dev/null | head -n 1 || true)
if [ -z "$home" ]; then
  echo "elasticsearch: building the local node with Maven (first run downloads ~100 MB)"
  mvn -B -q -f "$here/pom.xml" package
  home=$(ls -d "$here"/target/elasticsearch-8.* | head -n 1)
fi

java_home=${ES_JAVA_HOME:-${JAVA_HOME:-}}
if [ -z "$java_home" ]; then
  java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi

run=()
if [ "$(id -u)" = 0 ]; then
  # Elasticsearch refuses to run as root; give it a user of its own.
  id faultline-es >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin faultline-es
  run=(runuser -u faultline-es --)
fi

# start_node DIR HTTP_PORT HEAP SETTINGS...: one JVM, its data, logs and pid
# file under DIR.
start_node() {
  local dir=$1 http=$2 heap=$3
  shift 3
  mkdir -p "$dir/data" "$dir/logs" "$state/snapshots"
  if [ ${#run[@]} -gt 0 ]; then
    # Only this node's files: the other nodes of a cluster may be running,
    # deleting files under theirs as a recursive chown walks them.
    chown faultline-es "$state"
    chown -R faultline-es "$home" "$dir" "$state/snapshots"
  fi
  "${run[@]}" env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="${ES_JAVA_OPTS:-$heap}" \
    "$home/bin/elasticsearch" -d -p "$dir/elasticsearch.pid" \
    -Ecluster.name=faultline-local \
    -Enetwork.host=127.0.0.1 \
    -Ehttp.port="$http" \
    -Epath.data="$dir/data" \
    -Epath.logs="$dir/logs" \
    -Epath.repo="$state/snapshots" \
    -Expack.security.enabled=false \
    -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Eaction.auto_create_index=true "$@" >"$dir/logs/startup.out" 2>&1 || {
      echo "elasticsearch: failed to start; see $dir/logs/startup.out" >&2
      tail -n 30 "$dir/logs/startup.out" >&2
      exit 1
    }
}

# wait_for URL WHAT: until URL answers WHAT (a _cluster/health query).
wait_for() {
  for _ in $(seq "$wait_secs"); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  echo "elasticsearch: $2 not within ${wait_secs}s; see $state" >&2
  exit 1
}

if [ "$nodes" -le 1 ]; then
  if answers "$url"; then
    echo "elasticsearch: already answering at $url"
    exit 0
  fi
  start_node "$state" "$port" "-Xms1g -Xmx1g" -Ediscovery.type=single-node -Etransport.port=$((port + 100))
  wait_for "$url/_cluster/health" "no answer at $url"
  echo "elasticsearch: up at $url (pid $(cat "$pidfile"), logs in $state/logs)"
  exit 0
fi

seeds=() masters=()
for i in $(seq "$nodes"); do
  seeds+=("127.0.0.1:$((port + 100 + i - 1))")
  masters+=("node-$i")
done
for i in $(seq "$nodes"); do
  if [ -n "${ES_NODE:-}" ] && [ "$ES_NODE" != "$i" ]; then
    continue
  fi
  http=$((port + i - 1))
  if answers "http://127.0.0.1:$http"; then
    echo "elasticsearch: node-$i already answering at http://127.0.0.1:$http"
    continue
  fi
  # initial_master_nodes only counts for the first start of an empty
  # cluster; a node started again rejoins the cluster it knows.
  start_node "$state/node-$i" "$http" "-Xms512m -Xmx512m" -Enode.name="node-$i" \
    -Etransport.port=$((port + 100 + i - 1)) \
    -Ediscovery.seed_hosts="$(IFS=,; echo "${seeds[*]}")" \
    -Ecluster.initial_master_nodes="$(IFS=,; echo "${masters[*]}")"
done
wait_for "$url/_cluster/health?wait_for_nodes=$nodes&timeout=1s" "a cluster of $nodes nodes at $url"
echo "elasticsearch: $nodes nodes up from $url (state in $state)"
