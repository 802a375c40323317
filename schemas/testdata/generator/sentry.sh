#!/usr/bin/env bash
# Regenerates, with the real sentry-logback and sentry-java (version in
# pom.xml), ingest/sentry/testdata/sentry-logback.{1,2}.envelope: what
# sentry-logback sends for one bug logged twice (SentryApp), decompressed,
# and sentry-logback.logback.ndjson: the same two log calls as logback's
# JsonEncoder wrote them (logback.xml's appenders), to group across sources.
# Needs JDK 17+ and Maven; Maven Central must be reachable the first time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$(cd "$here/../../../ingest/sentry/testdata" && pwd)"

cd "$here"
mvn -B -q -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g'
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
java -cp "$classpath" -Dsentry.dir="$out" -Dfixtures.dir="$out" com.acme.sentry.SentryApp
mv "$out/logback-jsonencoder.ndjson" "$out/sentry-logback.logback.ndjson"
for f in sentry-logback.1.envelope sentry-logback.2.envelope sentry-logback.logback.ndjson; do
    if [[ ! -s "$out/$f" ]]; then
        echo "sentry.sh: $f was not written" >&2
        exit 1
    fi
done
mv "$out"/sentry-logback.* "$dest/"
ls -l "$dest"/sentry-logback.*
