#!/usr/bin/env bash
# Captures, with the real loki4j Logback appender (versions in pom.xml),
# the Loki push requests it sends:
#   schemas/testdata/loki/loki4j-json.body       its JSON encoding
#   schemas/testdata/loki/loki4j-protobuf.body   its protobuf+snappy encoding
# each with a .headers file (Content-Type, Content-Encoding, auth scheme).
# Needs JDK 17+ and Maven; Maven Central must be reachable the first time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$(cd "$here/../.." && pwd)"

cd "$here"
mvn -B -q -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g'
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
. "$here/../install.sh"

for mode in json protobuf; do
    protobuf=false
    [[ "$mode" == protobuf ]] && protobuf=true
    java -cp "$classpath" -Dlogback.configurationFile=logback-loki.xml \
        -Dloki.protobuf="$protobuf" -Dloki.out="$out/loki4j-$mode.body" com.acme.loki.LokiApp
done
install "$testdata/loki" loki4j-json.body loki4j-json.body.headers loki4j-protobuf.body loki4j-protobuf.body.headers
