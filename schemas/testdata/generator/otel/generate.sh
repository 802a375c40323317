#!/usr/bin/env bash
# Regenerates schemas/testdata/fixtures/otel-logback.pb (and its .headers)
# with the OpenTelemetry logback appender and the OTel SDK's OTLP/HTTP
# exporter (versions in pom.xml). Needs JDK 17+ and Maven; Maven Central
# must be reachable the first time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$(cd "$here/../.." && pwd)"

cd "$here"
mvn -B -q -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g'
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

. "$here/../install.sh"

java -cp "$classpath" -Dfixtures.dir="$out" com.acme.otel.OtelApp
install "$testdata/fixtures" otel-logback.pb otel-logback.headers otel-logback-jsonencoder.ndjson
