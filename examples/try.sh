#!/usr/bin/env bash
# Tries one recipe of the README's "Connect your app" as a new user would:
# builds faultline, starts `faultline all` on a free port with a data
# directory of its own and two API keys (an ingest key for a service named
# try-<stack>-<time>, and an admin key to read groups), follows the recipe
# in a scratch directory, then waits until the event is in Elasticsearch and
# in a group. Not part of `make test`: it needs the registries (PyPI, npm,
# Maven Central, the Go module proxy, Debian) the first time.
#
#   examples/try.sh <stack>     stacks: see `examples/try.sh list`
#   KEEP=1 examples/try.sh ...  keeps the scratch directory (faultline's and the shipper's logs)
#
# Reuses the Elasticsearch at $FAULTLINE_ES_URL (default 127.0.0.1:9200)
# and never stops it; the events stay there under the try-* service.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
es="${FAULTLINE_ES_URL:-http://127.0.0.1:9200}"
stacks=(python-sentry python-otel go-sentry go-otel node-sentry node-pino
    spring-sentry spring-otel spring-loki4j rsyslog rsyslog-text fluent-bit vector filebeat)

stack="${1:-}"
if [[ -z "$stack" || "$stack" == list || ! " ${stacks[*]} " =~ " $stack " ]]; then
    echo "usage: examples/try.sh <stack>; stacks: ${stacks[*]}" >&2
    [[ "$stack" == list ]] && exit 0 || exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/faultline-try-$stack.XXXX")"
fl_pid=""
shipper_pid=""
cleanup() {
    for pid in $shipper_pid $fl_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    if [[ -n "${KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sha() { printf 'sha256:%s' "$(printf %s "$1" | sha256sum | cut -d' ' -f1)"; }

# --- faultline, with keys on --------------------------------------------------
echo "== building faultline"
(cd "$root" && go build -o "$work/faultline" ./cmd/faultline)
port="$(free_port)"
service="try-$stack-$(date +%s)"
FAULTLINE_KEY="$(openssl rand -hex 24)"
admin_key="$(openssl rand -hex 24)"
cat >"$work/faultline.yaml" <<EOF
auth:
  keys:
    - service: $service
      hash: "$(sha "$FAULTLINE_KEY")"
    - name: try-admin
      roles: [admin]
      hash: "$(sha "$admin_key")"
EOF
"$work/faultline" all --config "$work/faultline.yaml" --http-addr "127.0.0.1:$port" \
    --nats-listen "127.0.0.1:$(free_port)" --data-dir "$work/data" --es-url "$es" \
    >"$work/faultline.log" 2>&1 &
fl_pid=$!
for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
    kill -0 "$fl_pid" 2>/dev/null || { cat "$work/faultline.log" >&2; exit 1; }
    sleep 1
done
export FAULTLINE_URL="http://127.0.0.1:$port" FAULTLINE_HOST="127.0.0.1:$port" FAULTLINE_PORT="$port" FAULTLINE_KEY
echo "== faultline at $FAULTLINE_URL, ingest key for service $service"

scratch="$work/app"
mkdir -p "$scratch"

# --- the recipes: each follows the README's commands -------------------------
python_venv() {
    python3 -m venv "$scratch/venv"
    "$scratch/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
}

run_python-sentry() {
    python_venv
    export SENTRY_DSN="http://$FAULTLINE_KEY@$FAULTLINE_HOST/1"
    "$scratch/venv/bin/python" "$here/python/sentry_app.py"
}

run_python-otel() {
    python_venv
    export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="$FAULTLINE_URL/v1/logs"
    export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$FAULTLINE_KEY"
    export OTEL_SERVICE_NAME=shop
    "$scratch/venv/bin/python" "$here/python/otel_app.py"
}

run_go-sentry() {
    export SENTRY_DSN="http://$FAULTLINE_KEY@$FAULTLINE_HOST/1"
    (cd "$here/go" && go run ./sentry)
}

run_go-otel() {
    export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="$FAULTLINE_URL/v1/logs"
    export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$FAULTLINE_KEY"
    export OTEL_SERVICE_NAME=shop
    (cd "$here/go" && go run ./otel)
}

node_modules() {
    cp "$here/node/package.json" "$here/node/package-lock.json" "$here/node/"*.js "$scratch/"
    (cd "$scratch" && npm ci --silent --no-audit --no-fund)
}

run_node-sentry() {
    node_modules
    export SENTRY_DSN="http://$FAULTLINE_KEY@$FAULTLINE_HOST/1"
    node "$scratch/sentry.js"
}

run_node-pino() {
    node_modules
    node "$scratch/pino.js"
}

spring_jar() {
    cp -R "$here/spring-boot/." "$scratch/"
    (cd "$scratch" && mvn -q -B package -DskipTests)
    jar="$scratch/target/shop-1.0.0.jar"
}

run_spring-sentry() {
    spring_jar
    export SENTRY_DSN="http://$FAULTLINE_KEY@$FAULTLINE_HOST/1"
    java -jar "$jar" --spring.profiles.active=sentry
}

run_spring-otel() {
    spring_jar
    local v=2.31.1
    (cd "$scratch" && mvn -q -B dependency:copy -Dartifact="io.opentelemetry.javaagent:opentelemetry-javaagent:$v" -DoutputDirectory=.)
    export OTEL_SERVICE_NAME=shop
    export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
    export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="$FAULTLINE_URL/v1/logs"
    export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$FAULTLINE_KEY"
    export OTEL_LOGS_EXPORTER=otlp OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none
    # The app exits right after logging: the agent exports what it holds on shutdown.
    java -javaagent:"$scratch/opentelemetry-javaagent-$v.jar" -jar "$jar"
}

run_spring-loki4j() {
    spring_jar
    java -jar "$jar" --spring.profiles.active=loki4j
}

# The log shippers tail the JSON log the Spring Boot example writes with
# its json-file profile (examples/shippers/shop.json, ECS, one object a
# line), or the same lines as its console prints them (shop.log): each starts on an empty file, then the app's lines are appended, as
# an app writes them. The example config's /var/log/shop/ and port 8080 are
# replaced by the scratch directory and this faultline's port.
local_config() { sed -e "s|/var/log/shop/|$scratch/log/|" -e "s|8080|$FAULTLINE_PORT|" "$1"; }

ship() { # [log=shop.log] ship CMD...: start the shipper, then write the app's log
    local log="${log:-shop.json}"
    mkdir -p "$scratch/log"
    : >"$scratch/log/$log"
    "$@" >"$scratch/shipper.log" 2>&1 &
    shipper_pid=$!
    sleep 5
    kill -0 "$shipper_pid" 2>/dev/null || { cat "$scratch/shipper.log" >&2; exit 1; }
    cat "$here/shippers/$log" >>"$scratch/log/$log"
}

need() { command -v "$1" >/dev/null || { echo "try.sh: $1 is not installed; $2" >&2; exit 1; }; }

run_rsyslog() {
    need rsyslogd "on Debian: apt-get install rsyslog rsyslog-elasticsearch"
    # As a drop-in the main rsyslog.conf gives the work directory; alone it needs one.
    { echo "global(workDirectory=\"$scratch\")"; local_config "$here/rsyslog/faultline.conf"; } >"$scratch/rsyslog.conf"
    ship rsyslogd -n -f "$scratch/rsyslog.conf" -i "$scratch/rsyslogd.pid"
}

# The same, from the app's plain text log (examples/shippers/shop.log).
run_rsyslog-text() {
    need rsyslogd "on Debian: apt-get install rsyslog rsyslog-elasticsearch"
    { echo "global(workDirectory=\"$scratch\")"; local_config "$here/rsyslog/faultline-text.conf"; } >"$scratch/rsyslog.conf"
    log=shop.log ship rsyslogd -n -f "$scratch/rsyslog.conf" -i "$scratch/rsyslogd.pid"
}

run_fluent-bit() {
    need fluent-bit "build it from source (cmake), see fluentbit.io"
    local_config "$here/fluent-bit/fluent-bit.yaml" >"$scratch/fluent-bit.yaml"
    ship fluent-bit -c "$scratch/fluent-bit.yaml"
}

run_vector() {
    need vector "see vector.dev"
    local_config "$here/vector/vector.yaml" >"$scratch/vector.yaml"
    ship vector --config "$scratch/vector.yaml"
}

run_filebeat() {
    need filebeat "see elastic.co"
    local_config "$here/filebeat/filebeat.yml" >"$scratch/filebeat.yml"
    ship filebeat -e -c "$scratch/filebeat.yml" --path.data "$scratch/filebeat-data"
}

echo "== recipe $stack"
cd "$scratch"
"run_$stack"

# --- did it land? -------------------------------------------------------------
# The recipe's ERROR event, with its exception, in Elasticsearch, and its
# group in the group API.
echo "== waiting for the error of $service in Elasticsearch and in a group"
export FAULTLINE_API_KEY="$admin_key"
query="$es/logs-faultline-default/_search?q=service.name:%22$service%22%20AND%20log.level:ERROR%20AND%20_exists_:error.type&size=1"
for _ in $(seq 90); do
    event="$(curl -fsS "$query" 2>/dev/null | python3 -c '
import json, sys
hits = json.load(sys.stdin)["hits"]["hits"]
if hits:
    e = hits[0]["_source"]
    fl = e.get("faultline") or {}
    print(fl.get("fingerprint", ""))
    print(json.dumps({"message": e.get("message"), "error.type": e["error"].get("type"), "error.message": e["error"].get("message"),
        "frames": len(((fl.get("exceptions") or [{}])[0]).get("frames") or []), "service": e.get("service")}))' 2>/dev/null || true)"
    fingerprint="${event%%$'\n'*}"
    if [[ -n "$fingerprint" ]]; then
        groups="$("$work/faultline" groups list --api-url "$FAULTLINE_URL" --service "$service" 2>&1 || true)"
        if [[ "$groups" == *"$fingerprint"* ]]; then
            echo "the event: ${event#*$'\n'}"
            echo "its group: $(grep "$fingerprint" <<<"$groups")"
            echo "PASS $stack"
            exit 0
        fi
    fi
    sleep 1
done
echo "FAIL $stack: no error of $service in a group after 90s; faultline's log:" >&2
tail -50 "$work/faultline.log" >&2
exit 1
