#!/usr/bin/env bash
# Regenerates faultline's Python, Go and Node test data from real programs:
#   schemas/testdata/corpus/langs/*.ndjson   labelled grouping corpus (JSON log lines)
#   schemas/testdata/corpus/sdk/*.buildN/    the same bugs as the Sentry SDKs,
#                                            OpenTelemetry log SDKs and loki4j sent them
#   internal/event/testdata/*.{py,go,node}.trace  raw stack texts for the parsers
# Each program runs twice: build 1 as committed, build 2 from a copy with a
# comment line after every block opener, so every line number moves (a deploy).
# Needs python3 + pip, node + npm, go, JDK 17+ and Maven; PyPI, npm, the Go module
# proxy and Maven Central the first time. Usage: generate.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
corpus="$root/schemas/testdata/corpus/langs"
traces="$root/internal/event/testdata"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/out"
mkdir -p "$out"

# The SDKs send to capture.py, which writes each request body to
# $out/sdk/<first path segment>/: the programs put source and build there.
mkdir -p "$out/sdk"
python3 "$here/capture/capture.py" "$out/sdk" >"$work/port" &
capture_pid=$!
trap 'kill "$capture_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port="$(cat "$work/port")"
# dsn NAME / otlp NAME: where the SDKs of source NAME send.
dsn() { echo "http://corpus@127.0.0.1:$port/$1/1"; }
otlp() { echo "http://127.0.0.1:$port/$1/v1/logs"; }

# shift FILE COMMENT OPENER_REGEX: the build-2 edit.
shift_lines() {
    awk -v c="$2" -v re="$3" '{ print } $0 ~ re { print c }' "$1" >"$1.new"
    mv "$1.new" "$1"
}

# Python: the app package beside a site-packages directory on sys.path that
# holds ecs-logging and python-json-logger (from PyPI), the SDKs of
# requirements-sdk.txt and paylib, a stand-in for a third-party SDK.
site="$work/python/site-packages"
mkdir -p "$site"
python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$site" ecs-logging==2.3.0 python-json-logger==4.2.0
python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$site" -r "$here/python/requirements-sdk.txt"
cp -R "$here/python/thirdparty/paylib" "$site/"
for build in 1 2; do
    app="$work/python/build$build"
    mkdir -p "$app"
    cp -R "$here/python/shop" "$here/python/app.py" "$here/python/traces.py" "$app/"
    if [[ $build == 2 ]]; then
        for f in "$app"/shop/*.py; do shift_lines "$f" "# build 2: a deploy moved this code down" ':$'; done
    fi
    (cd "$app" && PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 python3 app.py "$build" logs "$out")
    (cd "$app" && PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 python3 app.py "$build" sentry "$(dsn python-sentry.build$build)")
    (cd "$app" && PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 python3 app.py "$build" otel "$(otlp python-otel.build$build)")
done
(cd "$work/python/build1" && PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 python3 traces.py) >"$out/python.traces"

# Node: pino, @elastic/ecs-pino-format, @sentry/node and the OpenTelemetry
# logs SDK from npm (package-lock.json pins them), and fakelib, a stand-in
# for another dependency, in node_modules.
npm_tree="$work/node/deps"
mkdir -p "$npm_tree"
cp "$here/node/package.json" "$here/node/package-lock.json" "$npm_tree/"
(cd "$npm_tree" && npm ci --silent --no-audit --no-fund)
cp -R "$here/node/vendor/fakelib" "$npm_tree/node_modules/"
for build in 1 2; do
    app="$work/node/build$build"
    mkdir -p "$app"
    cp -R "$here/node/src" "$here/node/app.js" "$here/node/traces.js" "$here/node/crash.js" "$app/"
    ln -s "$npm_tree/node_modules" "$app/node_modules"
    if [[ $build == 2 ]]; then
        for f in "$app"/src/*.js; do shift_lines "$f" "// build 2: a deploy moved this code down" '[{]$'; done
    fi
    node --preserve-symlinks "$app/app.js" "$build" logs "$out"
    node --preserve-symlinks "$app/app.js" "$build" sentry "$(dsn node-sentry.build$build)"
    node --preserve-symlinks "$app/app.js" "$build" otel "$(otlp node-otel.build$build)"
done
node --preserve-symlinks "$work/node/build1/traces.js" >"$out/node.traces"
if node --preserve-symlinks "$work/node/build1/crash.js" 2>"$out/node-crash.trace"; then
    echo "generate.sh: crash.js did not crash" >&2
    exit 1
fi
printf '\f\n' >>"$out/node-crash.trace"
cat "$out/node-crash.trace" >>"$out/node.traces"

# Go: a module that needs github.com/pkg/errors and golang.org/x/sync (so
# their frames come from the module cache), sentry-go and the OpenTelemetry
# log SDK, built in each build's directory.
for build in 1 2; do
    app="$work/go/build$build"
    mkdir -p "$app"
    cp -R "$here/golang/." "$app/"
    if [[ $build == 2 ]]; then
        find "$app" -name '*.go' | while read -r f; do shift_lines "$f" "// build 2: a deploy moved this code down" '[{]$'; done
    fi
    (cd "$app" && go build -o "$work/go/shop$build" ./cmd/shop && go build -o "$work/go/traces$build" ./cmd/traces)
    "$work/go/shop$build" "$build" logs "$out"
    "$work/go/shop$build" "$build" sentry "$(dsn go-sentry.build$build)"
    "$work/go/shop$build" "$build" otel "$(otlp go-otel.build$build)"
done
"$work/go/traces1" >"$out/go.traces"
if "$work/go/traces1" crash 2>>"$out/go.traces"; then
    echo "generate.sh: traces crash did not crash" >&2
    exit 1
fi

# Java: the same cases, to measure Java's rule on them (not held to the bar),
# on the class path of java/pom.xml (logback and the three appenders).
(cd "$here/java" && mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile="$work/java.classpath" -Dmdep.includeScope=runtime) | sed 's/\x1b\[[0-9;]*m//g'
jcp="$(cat "$work/java.classpath")"
for build in 1 2; do
    app="$work/java/build$build"
    mkdir -p "$app"
    cp "$here/java/Shop.java" "$app/"
    if [[ $build == 2 ]]; then
        shift_lines "$app/Shop.java" "// build 2: a deploy moved this code down" '[{]$'
    fi
    (cd "$app" && java -cp "$jcp" Shop.java "$build" logs "$out")
    for mode in sentry otel loki; do
        case $mode in
        sentry) target="$(dsn java-sentry.build$build)" ;;
        otel) target="$(otlp java-otel.build$build)" ;;
        loki) target="http://127.0.0.1:$port/java-loki.build$build/loki/api/v1/push" ;;
        esac
        (cd "$app" && java -cp "$jcp" -Dlogback.configurationFile="$here/java/logback-$mode.xml" -Dbuild="$build" -Dtarget="$target" Shop.java "$build" "$mode")
    done
done

. "$here/../install.sh"

sdk_sources=(python-sentry python-otel node-sentry node-otel go-sentry go-otel java-sentry java-otel java-loki)

# check_sdk, install_sdk NAME...: replace corpus/sdk/NAME.build{1,2} with what the SDKs
# sent; checked before anything is installed, so a failed run leaves every
# committed file alone.
check_sdk() {
    local name build
    for name in "$@"; do
        for build in 1 2; do
            if ! compgen -G "$out/sdk/$name.build$build/*" >/dev/null; then
                echo "generate.sh: nothing was sent for $name.build$build" >&2
                exit 1
            fi
        done
    done
}
install_sdk() {
    local name build
    mkdir -p "$root/schemas/testdata/corpus/sdk"
    for name in "$@"; do
        for build in 1 2; do
            rm -rf "$root/schemas/testdata/corpus/sdk/$name.build$build"
            mv "$out/sdk/$name.build$build" "$root/schemas/testdata/corpus/sdk/"
            echo "$(ls "$root/schemas/testdata/corpus/sdk/$name.build$build" | wc -l) bodies  corpus/sdk/$name.build$build"
        done
    done
}
check_sdk "${sdk_sources[@]}"

install "$corpus" python-ecs.build1.ndjson python-ecs.build2.ndjson python-json.build1.ndjson python-json.build2.ndjson
install "$corpus" node-pino.build1.ndjson node-pino.build2.ndjson node-ecs.build1.ndjson node-ecs.build2.ndjson
install "$corpus" go-slog.build1.ndjson go-slog.build2.ndjson java-text.build1.ndjson java-text.build2.ndjson
install "$traces" python.traces node.traces go.traces

install_sdk "${sdk_sources[@]}"
