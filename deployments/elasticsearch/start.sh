#!/usr/bin/env bash
# Starts the local single-node Elasticsearch 8 (see pom.xml for why this
# distribution) on 127.0.0.1:9200, waits until it answers, and writes a pid file.
# Reuses a node that already answers. Data and logs live under .data/, which
# git ignores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${ES_PORT:-9200}
url="http://127.0.0.1:${port}"
state=${ES_STATE_DIR:-$here/.data}
pidfile="$state/elasticsearch.pid"
wait_secs=${ES_WAIT_SECONDS:-180}

answers() { curl -fsS -o /dev/null "$url/_cluster/health" 2>/dev/null; }

if answers; then
  echo "elasticsearch: already answering at $url"
  exit 0
fi

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

mkdir -p "$state/data" "$state/logs" "$state/snapshots"
run=()
if [ "$(id -u)" = 0 ]; then
  # Elasticsearch refuses to run as root; give it a user of its own.
  id faultline-es >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin faultline-es
  chown -R faultline-es "$home" "$state"
  run=(runuser -u faultline-es --)
fi

"${run[@]}" env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="${ES_JAVA_OPTS:--Xms1g -Xmx1g}" \
  "$home/bin/elasticsearch" -d -p "$pidfile" \
  -Ecluster.name=faultline-local \
  -Ediscovery.type=single-node \
  -Enetwork.host=127.0.0.1 \
  -Ehttp.port="$port" \
  -Etransport.port=$((port + 100)) \
  -Epath.data="$state/data" \
  -Epath.logs="$state/logs" \
  -Epath.repo="$state/snapshots" \
  -Expack.security.enabled=false \
  -Ecluster.routing.allocation.disk.threshold_enabled=false \
  -Eaction.auto_create_index=true >"$state/logs/startup.out" 2>&1 || {
    echo "elasticsearch: failed to start; see $state/logs/startup.out" >&2
    tail -n 30 "$state/logs/startup.out" >&2
    exit 1
  }

for _ in $(seq "$wait_secs"); do
  if answers; then
    echo "elasticsearch: up at $url (pid $(cat "$pidfile"), logs in $state/logs)"
    exit 0
  fi
  sleep 1
done
echo "elasticsearch: did not answer at $url within ${wait_secs}s; see $state/logs" >&2
exit 1
