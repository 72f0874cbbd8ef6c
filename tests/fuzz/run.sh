#!/bin/sh
# run.sh [BUILD_DIR] [SECONDS] [TARGET...] - run the fuzz harnesses built in BUILD_DIR/tests/fuzz
# (default build-fuzz) for SECONDS (default 20) each, on their seed corpus tests/fuzz/corpus/NAME,
# and print each one's executions and coverage. `run.sh 3600` is a long run of every target,
# `run.sh build-fuzz 600 fuzz_control fuzz_state` of two. See tests/fuzz/README.md.
# Env: KEEP=DIR keeps each target's grown corpus in DIR/NAME (to minimise into the seeds with
# -merge=1). A crash stops the run with the log's
# tail and the path of the saved input; the exit status is then 1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build-fuzz
if [ $# -gt 0 ] && ! expr "x$1" : 'x[0-9][0-9]*$' >/dev/null; then
    build=$1
    shift
fi
secs=${1:-20}
[ $# -gt 0 ] && shift
[ -d "$build/tests/fuzz" ] || {
    echo "run.sh: no $build/tests/fuzz: configure with -DZT_FUZZ=ON -DCMAKE_C_COMPILER=clang" >&2
    exit 2
}
targets=$*
[ -n "$targets" ] || targets=$(cd "$build/tests/fuzz" && ls fuzz_* | grep -v '\.' || true)
artifacts=$(mktemp -d /tmp/zt-fuzz-artifacts.XXXXXX)
status=0
for name in $targets; do
    bin=$build/tests/fuzz/$name
    [ -x "$bin" ] || { echo "run.sh: $bin is not built" >&2; exit 2; }
    work=$(mktemp -d)
    [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
    # Inputs may grow up to 8 KiB, or to the largest seed (the real catalog is 75 KB).
    maxlen=$(find "$work" -type f -printf '%s\n' | sort -n | tail -1)
    [ "${maxlen:-0}" -gt 8192 ] || maxlen=8192
    seeds=$(find "$work" -type f | wc -l)
    if "$bin" -max_total_time="$secs" -max_len="$maxlen" -artifact_prefix="$artifacts/$name-" \
        -print_final_stats=1 "$work" >"$work.log" 2>&1; then
        # "#123456 DONE cov: 612 ft: 2100 corp: 85/40Kb ..." and "stat::number_of_executed_units"
        done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work.log" | tail -1)
        execs=$(grep -E 'stat::number_of_executed_units' "$work.log" | tail -1 | awk '{print $2}')
        cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
        ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
        corp=$(echo "$done_line" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
        printf '%-20s %5s s  seeds %3s  execs %9s  cov %5s  ft %6s  corpus %s\n' "$name" "$secs" \
            "$seeds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    else
        echo "== $name FAILED after $(grep -cE '^#[0-9]+' "$work.log") status lines:"
        tail -60 "$work.log"
        echo "crash input kept in: $(ls "$artifacts"/"$name"-* 2>/dev/null | head -1)"
        status=1
    fi
    if [ -n "${KEEP:-}" ]; then
        mkdir -p "$KEEP/$name" && cp -r "$work/." "$KEEP/$name/"
    fi
    rm -rf "$work" "$work.log"
    [ "$status" = 0 ] || exit "$status"
done
rmdir "$artifacts" 2>/dev/null || true
