#!/bin/sh
# run.sh BUILD_DIR [SECONDS] - run every fuzz harness built in BUILD_DIR/tests/fuzz for SECONDS
# (default 20) each, on its seed corpus tests/fuzz/corpus/NAME when there is one.
set -eu
build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
for bin in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work=$(mktemp -d)
    [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
    echo "== $name ($secs s)"
    "$bin" -max_total_time="$secs" -max_len=8192 "$work" >"$work.log" 2>&1 || {
        tail -50 "$work.log"; rm -rf "$work" "$work.log"; exit 1; }
    rm -rf "$work" "$work.log"
done
