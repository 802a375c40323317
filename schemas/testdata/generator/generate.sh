#!/usr/bin/env bash
# Regenerates, with the real Java logging libraries (versions in pom.xml):
#   schemas/testdata/fixtures/*.ndjson  the contract fixtures (CheckoutApp)
#   schemas/testdata/corpus/*.ndjson    the labelled grouping corpus (CorpusApp)
# Usage: generate.sh [all|fixtures|corpus]   (default: all)
# Needs JDK 17+ and Maven; Maven Central must be reachable the first time.
set -euo pipefail

what="${1:-all}"
case "$what" in
all | fixtures | corpus) ;;
*)
    echo "usage: $0 [all|fixtures|corpus]" >&2
    exit 2
    ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$(cd "$here/.." && pwd)"

cd "$here"
# -q prints only errors; the sed drops the colour resets Maven 3.8 emits anyway.
mvn -B -q -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g'
deps="$(cat "$here/target/classpath.txt")"
classpath="$here/target/classes:$deps"

# Write to a scratch directory first, so a failed run leaves the committed
# files alone.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

. "$here/install.sh"

if [[ "$what" != corpus ]]; then
    java -cp "$classpath" -Dfixtures.dir="$out" com.acme.checkout.CheckoutApp
    install "$testdata/fixtures" logback-jsonencoder.ndjson logstash.ndjson ecs.ndjson
fi

if [[ "$what" != fixtures ]]; then
    # Build 1: the sources as they are.
    java -cp "$classpath" -Dcorpus.dir="$out" -Dcorpus.build=1 com.acme.corpus.CorpusApp

    # Build 2, "after a deploy": a copy of the corpus sources with a comment
    # line after the package line and after every line that ends in "{", so
    # every line moves down and every frame's line number changes (by more
    # further down a file), and every top-level class starts with a lambda field,
    # so every lambda's synthetic number (lambda$name$N) changes too. The
    # copy is compiled with javac as Maven compiles (-g, release 17) and runs
    # ahead of the Maven build's classes on the class path.
    src2="$out/build2/src"
    classes2="$out/build2/classes"
    mkdir -p "$src2" "$classes2"
    cp -R "$here/src/main/java/com/acme/corpus" "$src2/"
    find "$src2" -name '*.java' | sort >"$out/build2/sources.txt"
    while read -r f; do
        awk '
            { print }
            /^package / { print "// build 2: a deploy moved every line of this file down" }
            /^(public |final |abstract )*class [A-Za-z0-9_]+.*[{]$/ {
                print "    private static final Runnable DEPLOY_MARKER = () -> { };"
            }
            /[{]$/ { print "    // build 2: a deploy moved this code down" }
        ' "$f" >"$f.new"
        mv "$f.new" "$f"
    done <"$out/build2/sources.txt"
    javac --release 17 -g -encoding UTF-8 -proc:none -cp "$classpath" -d "$classes2" @"$out/build2/sources.txt"
    java -cp "$classes2:$classpath" -Dcorpus.dir="$out" -Dcorpus.build=2 com.acme.corpus.CorpusApp

    install "$testdata/corpus" \
        logback-jsonencoder.build1.ndjson logstash.build1.ndjson ecs.build1.ndjson \
        logback-jsonencoder.build2.ndjson logstash.build2.ndjson ecs.build2.ndjson
fi
