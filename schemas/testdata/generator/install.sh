# Sourced by the generators. install DIR FILE... moves the files from $out
# to DIR once all were written, so a failed run leaves the committed files
# alone.
install() {
    local dir="$1"
    shift
    for f in "$@"; do
        if [[ ! -s "$out/$f" ]]; then
            echo "generate.sh: $f was not written" >&2
            exit 1
        fi
    done
    mkdir -p "$dir"
    for f in "$@"; do
        mv "$out/$f" "$dir/$f"
        echo "$(wc -l <"$dir/$f") lines  $dir/$f"
    done
}
