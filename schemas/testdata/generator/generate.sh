#!/usr/bin/env bash
# Regenerates schemas/testdata/fixtures/*.ndjson with the real Java logging
# libraries (versions in pom.xml). Needs JDK 17+ and Maven; Maven Central
# must be reachable the first time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixtures="$(cd "$here/.." && pwd)/fixtures"
files=(logback-jsonencoder.ndjson logstash.ndjson ecs.ndjson)

cd "$here"
# -q prints only errors; the sed drops the colour resets Maven 3.8 emits anyway.
mvn -B -q -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g'
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

# Write to a scratch directory first, so a failed run leaves the committed
# fixtures alone.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
java -cp "$classpath" -Dfixtures.dir="$out" com.acme.checkout.CheckoutApp

mkdir -p "$fixtures"
for f in "${files[@]}"; do
    if [[ ! -s "$out/$f" ]]; then
        echo "generate.sh: $f was not written" >&2
        exit 1
    fi
done
for f in "${files[@]}"; do
    mv "$out/$f" "$fixtures/$f"
    echo "$(wc -l <"$fixtures/$f") events  $fixtures/$f"
done
